"""What the simulated server programs answer, as the real ones do."""
import kubelab as kl


def serve(c, name, directory):
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
             "spec": {"volumes": [{"name": "site", "configMap": {"name": "site"}}],
                      "containers": [{"name": "py", "image": "python:3.12",
                                      "command": ["python", "-m", "http.server", "8080", "--directory", directory],
                                      "volumeMounts": [{"name": "site", "mountPath": "/srv/site"}]}]}})


def test_python_http_server_serves_a_directorys_index_html_and_lists_one_without():
    # CPython's SimpleHTTPRequestHandler.send_head: for a directory, index.html or index.htm
    # if there is one, else list_directory() ("Directory listing for /")
    c = kl.Cluster(nodes=1, seed=0)
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "site"},
             "data": {"index.html": "<h1>Guestbook</h1>\n"}})
    serve(c, "site", "/srv/site")
    serve(c, "root", "/srv")
    c.run(30)
    site, root = (c.get("pod", n)["status"]["podIP"] for n in ("site", "root"))
    assert c.curl(f"http://{site}:8080/").body == "<h1>Guestbook</h1>\n"
    assert c.curl(f"http://{site}:8080/index.html").body == "<h1>Guestbook</h1>\n"
    assert "<title>Directory listing for /</title>" in c.curl(f"http://{root}:8080/").body
