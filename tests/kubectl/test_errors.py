"""API errors are worded as kubectl's CheckErr words them (cmd/util/helpers.go).

Expected texts were printed by kubectl v1.32.5 given the same Status from a server."""
from kubelab import errors
from kubelab.kubectl.errors import api_error_text, with_source


def test_not_found_names_the_reason():
    e = errors.NotFound('pods "web" not found')
    assert api_error_text(e) == 'Error from server (NotFound): pods "web" not found'


def test_already_exists_from_a_file_says_which_file():
    e = with_source("creating", "STDIN", errors.AlreadyExists('configmaps "cfg" already exists'))
    assert api_error_text(e) == 'Error from server (AlreadyExists): error when creating "STDIN": configmaps "cfg" already exists'


def test_invalid_with_one_cause_is_one_line():
    e = errors.Invalid('Pod "web" is invalid: spec.containers[0].image: Required value',
                       causes=[errors.Cause("spec.containers[0].image", "Required value", "FieldValueRequired")])
    assert api_error_text(e) == 'The Pod "web" is invalid: spec.containers[0].image: Required value'


def test_invalid_with_several_causes_lists_them():
    # MultilineError: the prefix keeps its trailing space before the newline.
    e = errors.Invalid('Pod "web" is invalid: [...]', causes=[
        errors.Cause("spec.containers[0].image", "Required value"),
        errors.Cause("metadata.name", 'Invalid value: "Web": a lowercase RFC 1123 subdomain')])
    assert api_error_text(e) == ('The Pod "web" is invalid: \n'
                                 "* spec.containers[0].image: Required value\n"
                                 '* metadata.name: Invalid value: "Web": a lowercase RFC 1123 subdomain')


def test_invalid_keeps_its_source_free_message():
    # The file name is added to the message, but Invalid errors print from their details.
    e = with_source("creating", "pod.yaml", errors.Invalid('Pod "web" is invalid: x: Required value',
                                                            causes=[errors.Cause("x", "Required value")]))
    assert api_error_text(e) == 'The Pod "web" is invalid: x: Required value'


def test_conflict_is_reported_with_its_reason():
    e = errors.Conflict('Operation cannot be fulfilled on pods "web": the object has been modified; '
                        'please apply your changes to the latest version and try again')
    assert api_error_text(e).startswith("Error from server (Conflict): Operation cannot be fulfilled")
