"""``kubectl get`` and ``kubectl api-resources``.

simplified: ``--watch`` prints the current list once (a notebook cell cannot stream).
"""
from __future__ import annotations

from kubelab import errors

from . import jsonpath
from .errors import KubectlError, UsageError, api_error_text
from .formats import as_list, is_table_format, print_format, resource_name
from .session import Session
from .tables import render, table_lines
from .tabwriter import tabwrite

__all__ = ["get", "api_resources"]

_NO_TYPE = ('You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of '
            'supported resources.\n\n')


def _fetch(s: Session):
    """([(rtype, objects)] in request order, the API errors met on the way, whether one object
    was asked for by name, so ``-o yaml`` prints it rather than a List)."""
    groups, failures = [], []
    if s.inv.flag("filename"):
        for f in s.files():
            try:
                groups.append((f.rtype, [s.api.get(f.rtype, f.obj["metadata"]["name"],
                                                   namespace=s.object_namespace(f.rtype, f.obj))]))
            except errors.ApiError as e:
                failures.append(e)
        return groups, failures, False
    if not s.inv.args:
        raise KubectlError(_NO_TYPE + "error: Required resource not specified.\n"
                           'Use "kubectl explain <resource>" for a detailed description of that resource '
                           "(e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples")
    requests = s.requests(s.inv.args)
    single = len(requests) == 1 and len(requests[0].names) == 1
    if s.all_namespaces and any(req.names for req in requests):
        raise KubectlError("error: a resource cannot be retrieved by name across all namespaces")
    for req in requests:
        if req.names:
            found = []
            for name in req.names:
                try:
                    found.append(s.api.get(req.rtype, name, namespace=s.namespace if req.rtype.namespaced else None))
                except errors.ApiError as e:
                    failures.append(e)
            groups.append((req.rtype, found))
        else:
            listed = s.api.list(req.rtype, namespace=s.list_namespace(req.rtype),
                                label_selector=s.inv.flag("selector"),
                                field_selector=s.inv.flag("field-selector"))["items"]
            groups.append((req.rtype, listed))
    return groups, failures, single


def _sort(groups, sort_by: str | None):
    if not sort_by:
        return groups
    expr = sort_by.strip()
    expr = expr[1:-1] if expr.startswith("{") else expr

    def key(obj):
        values = jsonpath.evaluate(expr, obj)
        v = values[0] if values else None
        return (v is not None, (0, v, "") if isinstance(v, (int, float)) and not isinstance(v, bool) else
                (1, 0, str(v if v is not None else "")))
    return [(rtype, sorted(objs, key=key)) for rtype, objs in groups]


def get(s: Session) -> None:
    groups, failures, single = _fetch(s)
    groups = _sort(groups, s.inv.flag("sort-by"))
    output = s.inv.flag("output")
    objs = [o for _, objs in groups for o in objs]
    if not is_table_format(output):
        kinds = {id(o): rtype for rtype, group in groups for o in group}
        if objs or not single:
            data = objs[0] if single and objs else as_list(objs)
            s.out(print_format(output, data, objs, lambda o: resource_name(kinds[id(o)], o["metadata"]["name"])))
    else:
        _tables(s, groups, output == "wide")
    for e in failures:
        s.err(api_error_text(e))
    if not objs and not failures and is_table_format(output):
        s.warn("No resources found" if s.all_namespaces else f"No resources found in {s.namespace} namespace.")


def _tables(s: Session, groups, wide: bool) -> None:
    with_kind = len({rtype for rtype, _ in groups}) > 1 or s.inv.bool("show-kind")
    printed = False
    for rtype, objs in groups:
        if not objs:
            continue
        if printed and not s.inv.bool("no-headers"):
            s.out("\n")
        prefix = f"{rtype.kind.lower()}{'.' + rtype.group if rtype.group else ''}" if with_kind else ""
        s.out(render(table_lines(objs, rtype.kind, s.now, wide=wide,
                                 namespace_column=s.all_namespaces and rtype.namespaced, kind_prefix=prefix,
                                 show_labels=s.inv.bool("show-labels"), label_columns=s.inv.flag("label-columns", []),
                                 headers=not s.inv.bool("no-headers"))))
        printed = True


def api_resources(s: Session) -> None:
    """NAME SHORTNAMES APIVERSION NAMESPACED KIND, core group first, then groups by name."""
    if s.inv.args:
        raise UsageError(f"unexpected arguments: [{' '.join(s.inv.args)}]", "api-resources")
    namespaced = s.inv.flag("namespaced")
    wide = s.inv.flag("output") == "wide"
    types = list(s.api.registry)
    if namespaced is not None:
        types = [t for t in types if t.namespaced == (str(namespaced).lower() == "true")]
    if s.inv.flag("api-group") is not None:
        types = [t for t in types if t.group == s.inv.flag("api-group")]
    types = sorted(types, key=lambda t: t.group)          # sort.Stable by APIGroup, as kubectl does
    output = s.inv.flag("output")
    if output == "name":
        s.out("".join(f"{t.plural}{'.' + t.group if t.group else ''}\n" for t in types))
        return
    head = ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"] + (["VERBS", "CATEGORIES"] if wide else [])
    lines = ["\t".join(head)] if not s.inv.bool("no-headers") else []
    for t in types:
        cells = [t.plural, ",".join(t.short_names), t.api_version, "true" if t.namespaced else "false", t.kind]
        if wide:
            cells += [",".join(t.verbs), ",".join(t.categories)]
        lines.append("\t".join(cells))
    s.out(tabwrite("\n".join(lines) + "\n"))
