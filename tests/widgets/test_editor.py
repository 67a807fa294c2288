"""ApplyEditor: Apply and Delete as kubectl apply/delete -f, field errors inline."""
import kubelab as kl
from kubelab import widgets as kw


def test_apply_creates_then_leaves_unchanged_then_configures_like_kubectl(web_yaml):
    # kubectl apply prints "<kind>.<group>/<name> created|unchanged|configured"
    c = kl.Cluster(nodes=2, seed=0)
    ed = kw.ApplyEditor(c, web_yaml)
    assert repr(ed) == "<ApplyEditor: nothing applied>"
    ed.apply_button.click()
    assert ed.outcome == ["deployment.apps/web created"]
    assert repr(ed) == "<ApplyEditor: 1 objects applied>"
    ed.apply()
    assert ed.outcome == ["deployment.apps/web unchanged"]
    ed.value = web_yaml.replace("replicas: 2", "replicas: 3")
    ed.apply()
    assert ed.outcome == ["deployment.apps/web configured"]
    assert len(c.get("pods")) == 3


def test_beneath_it_shows_the_objects_and_what_they_own_and_their_events(web_yaml):
    c = kl.Cluster(nodes=2, seed=0)
    ed = kw.ApplyEditor(c, web_yaml)
    ed.apply()
    rs = c.get("replicasets")[0]["metadata"]["name"]
    pods = sorted(p["metadata"]["name"] for p in c.get("pods"))
    listing = str(c.kubectl(f"get deployment.apps/web replicaset.apps/{rs} " + " ".join(f"pod/{p}" for p in pods)
                            + " -n default")).rstrip()
    assert ed.text.startswith("deployment.apps/web created\n\n" + listing + "\n\nevents:\n")
    assert "Scaled up replica set" in ed.text and ed.text.count("Started container nginx") == 2
    assert '<pre class="kl-objects">' in ed.html


def test_a_rejected_manifest_shows_each_field_error_and_applies_nothing(web_yaml):
    # one bad document applies none (Cluster.apply checks them all first); the
    # messages are the API server's, as kubectl prints them
    c = kl.Cluster(nodes=2, seed=0)
    good = web_yaml.replace("name: web}", "name: ok}", 1)
    bad = web_yaml.replace("replicas: 2", "replicas: -1").replace("name: nginx", "name: Nginx")
    ed = kw.ApplyEditor(c, good + "---\n" + bad)
    assert ed.apply() == []
    assert [f for f, _ in ed.errors] == ["spec.replicas", "spec.template.spec.containers[0].name"]
    assert ed.errors[0][1] == "Invalid value: -1: must be greater than or equal to 0"
    assert '<code class="kl-field">spec.replicas</code>: Invalid value: -1' in ed.html
    assert ed.text.startswith('The Deployment "web" is invalid: \n* spec.replicas: Invalid value: -1')
    assert c.get("deployments") == []
    assert repr(ed) == "<ApplyEditor: rejected, 2 field errors>"


def test_yaml_that_does_not_parse_is_reported_with_its_line():
    ed = kw.ApplyEditor(kl.Cluster(nodes=1), "kind: [")
    ed.apply()
    assert ed.text.startswith("error: error parsing manifest (line 1,")
    assert ed.errors == []


def test_delete_removes_every_object_of_the_manifest_and_reports_missing_ones(web_yaml):
    c = kl.Cluster(nodes=2, seed=0)
    ed = kw.ApplyEditor(c, web_yaml)
    ed.apply()
    ed.delete_button.click()
    assert ed.outcome == ['deployment.apps "web" deleted']
    assert c.get("deployments") == []
    ed.delete()
    assert ed.outcome == ['Error from server (NotFound): deployments.apps "web" not found']
