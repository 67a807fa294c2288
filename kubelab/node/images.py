"""The image catalogue: which images exist, how big they are, and what they run.

kubelab pulls no images. It knows common ones by name, with their real
ENTRYPOINT/CMD, environment, stop signal and userland, and simulates what
their programs do:

==========================================  =================================================
image                                       behaviour
==========================================  =================================================
nginx (tags 1.x.y up to 1.27, stable, …)    serves /usr/share/nginx/html on port 80, logs every
                                            request, exits 0 on its stop signal (SIGQUIT); has curl
httpd                                       serves /usr/local/apache2/htdocs on 80 ("It works!")
redis                                       listens on 6379; ``redis-cli ping`` answers PONG
busybox, alpine, registry.k8s.io/busybox    default command ``sh``: with no terminal it exits 0
ubuntu, debian                              at once (``kubectl run --image=busybox`` crash-loops)
python                                      ``python -m http.server PORT`` serves files
registry.k8s.io/pause                       sleeps until stopped
polinux/stress, vish/stress                 use the memory and CPU their arguments ask for
registry.k8s.io/e2e-test-images/agnhost     ``liveness``, ``netexec``, ``serve-hostname``, ``pause``
gcr.io/google-samples/hello-app             "Hello, world!" on 8080
registry.k8s.io/echoserver                  echoes the request on 8080
curlimages/curl                             runs ``curl`` with the container's arguments
registry.example.com/shop                   the lab's own web shop on 8080 (:mod:`.labapps`): its
                                            warm-up, deadlock and memory use are set by env
==========================================  =================================================

A tag the catalogue does not know for one of these images (``nginx:1.161``,
``nginx:doesnotexist``) does not exist: pulling it fails with ErrImagePull,
then ImagePullBackOff. Any other image is pulled (with any tag) and runs its
command with a busybox userland, or, without a command, runs until stopped.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from . import labapps, servers, testimages
from .process import SIGQUIT, SIGTERM, SIGWINCH

__all__ = ["ImageSpec", "Image", "ImageError", "resolve", "CATALOGUE", "pull_seconds", "environment"]

_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_BASE_DIRS = ("bin", "dev", "etc", "home", "proc", "root", "sys", "tmp", "usr", "var")
#: containerd's download speed in the lab, and the fixed cost of resolving a reference
PULL_BYTES_PER_SECOND = 25_000_000
PULL_LATENCY = 0.4

_NGINX_INDEX = """<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
"""
_NGINX_CONF = """server {
    listen       80;
    listen  [::]:80;
    server_name  localhost;

    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }

    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }
}
"""


class ImageError(Exception):
    """A reference that cannot be pulled; ``reason`` is the kubelet's (ErrImagePull, InvalidImageName)."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason, self.message = reason, message


@dataclass(frozen=True)
class ImageSpec:
    """What the catalogue knows about one repository."""

    repository: str
    tags: str                                 # a regular expression over the tags that exist
    size: int
    entrypoint: tuple = ()
    cmd: tuple = ()
    env: tuple = ()                           # (name, value) pairs; "{version}" is the tag's version
    userland: str = "busybox"                 # "busybox", "gnu" or "none"
    programs: dict = field(default_factory=dict)
    files: dict = field(default_factory=dict)
    stop_signal: int = SIGTERM
    workdir: str = "/"
    latest: str = ""                          # the version "latest" and named tags stand for


def _v(major: str, max_minor: int, suffixes: str = "") -> str:
    minors = "|".join(str(m) for m in range(max_minor + 1))
    return rf"{major}(\.({minors})(\.\d{{1,2}})?)?{suffixes}"


def _spec(repository, tags, size, **kw) -> ImageSpec:
    return ImageSpec(repository, tags, size, **kw)


_NAMED = r"latest|stable|mainline|alpine|slim|bookworm|bullseye|alpine-slim"
CATALOGUE: dict[str, ImageSpec] = {s.repository: s for s in [
    _spec("docker.io/library/nginx", rf"({_NAMED}|{_v('1', 27)})(-(alpine|perl|bookworm|alpine-slim))?",
          72_099_410, entrypoint=("/docker-entrypoint.sh",), cmd=("nginx", "-g", "daemon off;"),
          env=(("NGINX_VERSION", "{version}"), ("NJS_VERSION", "0.8.7"), ("NJS_RELEASE", "1~bookworm"),
               ("PKG_RELEASE", "1~bookworm"), ("DYNPKG_RELEASE", "1~bookworm")),
          userland="gnu", programs=servers.PROGRAMS["nginx"], stop_signal=SIGQUIT, latest="1.27.3",
          files={"/usr/share/nginx/html/index.html": _NGINX_INDEX,
                 "/usr/share/nginx/html/50x.html": "<!DOCTYPE html>\n<html>\n<head>\n<title>Error</title>\n",
                 "/etc/nginx/conf.d/default.conf": _NGINX_CONF}),
    _spec("docker.io/library/httpd", rf"({_NAMED}|{_v('2', 4)})(-(alpine|bookworm))?", 58_309_624,
          cmd=("httpd-foreground",), env=(("HTTPD_PREFIX", "/usr/local/apache2"), ("HTTPD_VERSION", "{version}")),
          userland="gnu", programs=servers.PROGRAMS["httpd"], stop_signal=SIGWINCH, workdir="/usr/local/apache2",
          latest="2.4.62", files={"/usr/local/apache2/htdocs/index.html": "<html><body><h1>It works!</h1></body></html>\n"}),
    _spec("docker.io/library/redis", rf"({_NAMED}|{_v('[5-7]', 4)})(-(alpine|bookworm))?", 45_202_155,
          entrypoint=("docker-entrypoint.sh",), cmd=("redis-server",), env=(("REDIS_VERSION", "{version}"),),
          userland="gnu", programs=servers.PROGRAMS["redis"], workdir="/data", latest="7.4.1"),
    _spec("docker.io/library/busybox", rf"({_NAMED}|musl|glibc|uclibc|{_v('1', 37)})(-(musl|glibc|uclibc))?",
          2_155_376, cmd=("sh",)),
    _spec("registry.k8s.io/busybox", r"latest|1\.2[4-9](\.\d)?", 1_144_547, cmd=("sh",)),
    _spec("docker.io/library/alpine", rf"latest|edge|{_v('3', 21)}", 3_653_068, cmd=("/bin/sh",)),
    _spec("docker.io/library/ubuntu", r"latest|rolling|devel|jammy|noble|focal|bionic|oracular|"
          r"(18|20|22|24)\.04|24\.10", 29_754_290, cmd=("/bin/bash",), userland="gnu"),
    _spec("docker.io/library/debian", r"latest|stable|bookworm|bullseye|buster|trixie|"
          r"(bookworm|bullseye)-slim|1[0-3](\.\d+)?", 48_494_272, cmd=("bash",), userland="gnu"),
    _spec("docker.io/library/python", rf"({_NAMED}|{_v('3', 13)})(-(slim|alpine|bookworm|slim-bookworm))?",
          385_112_010, cmd=("python3",), userland="gnu", programs=servers.PROGRAMS["python"],
          env=(("LANG", "C.UTF-8"), ("PYTHON_VERSION", "{version}")), latest="3.13.1"),
    _spec("registry.k8s.io/pause", r"latest|3\.([1-9]|10)", 320_368, entrypoint=("/pause",), userland="none",
          programs=testimages.PROGRAMS["pause"]),
    _spec("docker.io/polinux/stress", r"latest|1\.0\.4", 4_041_495, cmd=("stress",),
          programs=testimages.PROGRAMS["stress"]),
    _spec("docker.io/vish/stress", r"latest", 1_737_436, entrypoint=("/stress",), cmd=("-logtostderr",),
          userland="none", programs=testimages.PROGRAMS["vish-stress"]),
    _spec("registry.k8s.io/e2e-test-images/agnhost", r"2\.([1-9]|[1-4]\d|5[0-3])", 51_155_161,
          entrypoint=("/agnhost",), userland="none", programs=testimages.PROGRAMS["agnhost"]),
    _spec("gcr.io/google-samples/hello-app", r"[12]\.0", 10_510_336, entrypoint=("/hello-app",),
          userland="none", programs=testimages.PROGRAMS["hello-app"]),
    _spec("registry.k8s.io/echoserver", r"1\.([4-9]|10)", 46_241_588, cmd=("/usr/local/bin/run.sh",),
          userland="gnu", programs=testimages.PROGRAMS["echoserver"]),
    _spec("docker.io/curlimages/curl", r"latest|8\.\d{1,2}\.\d", 11_254_329, entrypoint=("/entrypoint.sh",),
          cmd=("curl",), programs=testimages.PROGRAMS["curl"]),
    _spec("registry.example.com/shop", r"latest|1\.[0-4](\.\d)?", 18_432_117, entrypoint=("/shop",),
          env=(("SHOP_VERSION", "{version}"),), programs=labapps.PROGRAMS["shop"], latest="1.4.2"),
]}

_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REFERENCE = re.compile(rf"^(?:(?P<domain>[a-zA-Z0-9.-]+(?::\d+)?)/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)"
                        rf"(?::(?P<tag>[\w][\w.-]{{0,127}}))?(?:@(?P<digest>sha256:[0-9a-f]{{64}}))?$")


@dataclass(frozen=True)
class Image:
    """A resolved image reference: what a container status reports as image and imageID."""

    reference: str          # as written in the Pod spec
    name: str               # docker.io/library/nginx:1.27
    repository: str
    tag: str
    digest: str
    spec: ImageSpec

    @property
    def image_id(self) -> str:
        return f"{self.repository}@{self.digest}"

    @property
    def version(self) -> str:
        """The software version a tag stands for: ``1.27`` -> 1.27.3, ``latest`` -> the newest."""
        m = re.match(r"\d+(\.\d+)*", self.tag)
        return _complete(m.group(0), self.spec.latest) if m else self.spec.latest

    @property
    def size(self) -> int:
        return self.spec.size


def _complete(version: str, latest: str) -> str:
    """``1.27`` -> the catalogue's newest ``1.27.x``; other partial versions get ``.0``s."""
    if version.count(".") >= 2:
        return version
    if latest.startswith(version + "."):
        return latest
    return version + ".0" * (2 - version.count("."))


def _parse(reference: str):
    m = _REFERENCE.match(reference)
    if m and m.group("domain") and not ("." in m.group("domain") or ":" in m.group("domain")
                                        or m.group("domain") == "localhost"):
        m = _REFERENCE.match("docker.io/" + reference)
    if not m:
        why = "repository name must be lowercase" if reference.lower() != reference and \
            _REFERENCE.match(reference.lower()) else "invalid reference format"
        detail = f"invalid reference format: {why}" if why != "invalid reference format" else why
        raise ImageError("InvalidImageName", f'Failed to apply default image tag "{reference}": couldn\'t parse '
                                             f'image name "{reference}": {detail}')
    domain, path = m.group("domain") or "docker.io", m.group("path")
    if domain == "docker.io" and "/" not in path:
        path = "library/" + path
    return f"{domain}/{path}", m.group("tag") or ("" if m.group("digest") else "latest"), m.group("digest")


def resolve(reference: str) -> Image:
    """Resolve an image reference as containerd would, or raise ImageError (not found, invalid)."""
    repository, tag, digest = _parse(reference.strip())
    name = f"{repository}:{tag}" if tag else f"{repository}@{digest}"
    spec = CATALOGUE.get(repository)
    if spec is not None and tag and not re.fullmatch(spec.tags, tag):
        raise ImageError("ErrImagePull", f"rpc error: code = NotFound desc = failed to pull and unpack image "
                                         f'"{name}": failed to resolve reference "{name}": {name}: not found')
    if spec is None:
        spec = ImageSpec(repository, ".*", 20_000_000 + int(hashlib.sha256(repository.encode()).hexdigest()[:6], 16))
    digest = digest or "sha256:" + hashlib.sha256(name.encode()).hexdigest()
    return Image(reference, name, repository, tag, digest, spec)


def pull_seconds(image: Image) -> float:
    """How long pulling ``image`` takes on a lab node (resolve, download, unpack)."""
    return round(PULL_LATENCY + image.size / PULL_BYTES_PER_SECOND, 3)


def environment(image: Image) -> list[tuple[str, str]]:
    """The image's ENV, PATH first, as containerd hands it to the container."""
    return [("PATH", _PATH)] + [(k, v.replace("{version}", image.version)) for k, v in image.spec.env]


def root_files(image: Image) -> dict[str, str]:
    """The text files an image ships."""
    return dict(image.spec.files)
