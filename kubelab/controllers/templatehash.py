"""pod-template-hash, computed as Kubernetes' controller.ComputeHash does.

ComputeHash writes the PodTemplateSpec Go struct to an FNV-32a hasher with
go-spew (``%#v``, SortKeys, DisableMethods: every field, with its Go type, in
declaration order), adds the Deployment's ``collisionCount`` as 8
little-endian bytes, and renders the 32-bit sum's decimal digits with
rand.SafeEncodeString. To get the same bytes from a wire-shape dict, this
module knows the v1.32 Go types of a pod template (the schema below) and
prints them as spew does: ``(v1.PodSpec){Volumes:([]v1.Volume)<nil> ...}``.
``kubectl create deployment nginx --image=nginx`` gets ``nginx-5869d7778c``
here, as on a real v1.32 cluster.

Simplified: the schema covers the fields templates commonly use (containers,
probes, resources, env, ports, volumes of the usual kinds, security contexts,
tolerations); a template using a type outside it (affinity, say) still gets a
stable hash, from a sorted JSON rendering of that part, which a real cluster
would not reproduce.
"""
from __future__ import annotations

import json

from ..api.meta import NAME_ALPHABET
from ..api.quantity import parse_quantity

__all__ = ["compute_hash", "spew", "safe_encode", "fnv32a"]

# Go struct fields in declaration order: "GoName jsonName type" (jsonName "-": embedded, inline).
_STRUCTS = {
    "v1.PodTemplateSpec": "ObjectMeta metadata v1.ObjectMeta; Spec spec v1.PodSpec",
    "v1.ObjectMeta": "Name name string; GenerateName generateName string; Namespace namespace string; "
                     "SelfLink selfLink string; UID uid types.UID; ResourceVersion resourceVersion string; "
                     "Generation generation int64; CreationTimestamp creationTimestamp v1.Time; "
                     "DeletionTimestamp deletionTimestamp *v1.Time; "
                     "DeletionGracePeriodSeconds deletionGracePeriodSeconds *int64; "
                     "Labels labels map[string]string; Annotations annotations map[string]string; "
                     "OwnerReferences ownerReferences []v1.OwnerReference; Finalizers finalizers []string; "
                     "ManagedFields managedFields []v1.ManagedFieldsEntry",
    "v1.PodSpec": "Volumes volumes []v1.Volume; InitContainers initContainers []v1.Container; "
                  "Containers containers []v1.Container; "
                  "EphemeralContainers ephemeralContainers []v1.EphemeralContainer; "
                  "RestartPolicy restartPolicy v1.RestartPolicy; "
                  "TerminationGracePeriodSeconds terminationGracePeriodSeconds *int64; "
                  "ActiveDeadlineSeconds activeDeadlineSeconds *int64; DNSPolicy dnsPolicy v1.DNSPolicy; "
                  "NodeSelector nodeSelector map[string]string; ServiceAccountName serviceAccountName string; "
                  "DeprecatedServiceAccount serviceAccount string; "
                  "AutomountServiceAccountToken automountServiceAccountToken *bool; NodeName nodeName string; "
                  "HostNetwork hostNetwork bool; HostPID hostPID bool; HostIPC hostIPC bool; "
                  "ShareProcessNamespace shareProcessNamespace *bool; "
                  "SecurityContext securityContext *v1.PodSecurityContext; "
                  "ImagePullSecrets imagePullSecrets []v1.LocalObjectReference; Hostname hostname string; "
                  "Subdomain subdomain string; Affinity affinity *v1.Affinity; SchedulerName schedulerName string; "
                  "Tolerations tolerations []v1.Toleration; HostAliases hostAliases []v1.HostAlias; "
                  "PriorityClassName priorityClassName string; Priority priority *int32; "
                  "DNSConfig dnsConfig *v1.PodDNSConfig; ReadinessGates readinessGates []v1.PodReadinessGate; "
                  "RuntimeClassName runtimeClassName *string; EnableServiceLinks enableServiceLinks *bool; "
                  "PreemptionPolicy preemptionPolicy *v1.PreemptionPolicy; Overhead overhead v1.ResourceList; "
                  "TopologySpreadConstraints topologySpreadConstraints []v1.TopologySpreadConstraint; "
                  "SetHostnameAsFQDN setHostnameAsFQDN *bool; OS os *v1.PodOS; HostUsers hostUsers *bool; "
                  "SchedulingGates schedulingGates []v1.PodSchedulingGate; "
                  "ResourceClaims resourceClaims []v1.PodResourceClaim; "
                  "Resources resources *v1.ResourceRequirements",
    "v1.Container": "Name name string; Image image string; Command command []string; Args args []string; "
                    "WorkingDir workingDir string; Ports ports []v1.ContainerPort; "
                    "EnvFrom envFrom []v1.EnvFromSource; Env env []v1.EnvVar; "
                    "Resources resources v1.ResourceRequirements; "
                    "ResizePolicy resizePolicy []v1.ContainerResizePolicy; "
                    "RestartPolicy restartPolicy *v1.ContainerRestartPolicy; "
                    "VolumeMounts volumeMounts []v1.VolumeMount; VolumeDevices volumeDevices []v1.VolumeDevice; "
                    "LivenessProbe livenessProbe *v1.Probe; ReadinessProbe readinessProbe *v1.Probe; "
                    "StartupProbe startupProbe *v1.Probe; Lifecycle lifecycle *v1.Lifecycle; "
                    "TerminationMessagePath terminationMessagePath string; "
                    "TerminationMessagePolicy terminationMessagePolicy v1.TerminationMessagePolicy; "
                    "ImagePullPolicy imagePullPolicy v1.PullPolicy; "
                    "SecurityContext securityContext *v1.SecurityContext; Stdin stdin bool; "
                    "StdinOnce stdinOnce bool; TTY tty bool",
    "v1.ContainerPort": "Name name string; HostPort hostPort int32; ContainerPort containerPort int32; "
                        "Protocol protocol v1.Protocol; HostIP hostIP string",
    "v1.EnvVar": "Name name string; Value value string; ValueFrom valueFrom *v1.EnvVarSource",
    "v1.EnvVarSource": "FieldRef fieldRef *v1.ObjectFieldSelector; "
                       "ResourceFieldRef resourceFieldRef *v1.ResourceFieldSelector; "
                       "ConfigMapKeyRef configMapKeyRef *v1.ConfigMapKeySelector; "
                       "SecretKeyRef secretKeyRef *v1.SecretKeySelector",
    "v1.ObjectFieldSelector": "APIVersion apiVersion string; FieldPath fieldPath string",
    "v1.ResourceFieldSelector": "ContainerName containerName string; Resource resource string; "
                                "Divisor divisor resource.Quantity",
    "v1.ConfigMapKeySelector": "LocalObjectReference - v1.LocalObjectReference; Key key string; "
                               "Optional optional *bool",
    "v1.SecretKeySelector": "LocalObjectReference - v1.LocalObjectReference; Key key string; "
                            "Optional optional *bool",
    "v1.EnvFromSource": "Prefix prefix string; ConfigMapRef configMapRef *v1.ConfigMapEnvSource; "
                        "SecretRef secretRef *v1.SecretEnvSource",
    "v1.ConfigMapEnvSource": "LocalObjectReference - v1.LocalObjectReference; Optional optional *bool",
    "v1.SecretEnvSource": "LocalObjectReference - v1.LocalObjectReference; Optional optional *bool",
    "v1.LocalObjectReference": "Name name string",
    "v1.ResourceRequirements": "Limits limits v1.ResourceList; Requests requests v1.ResourceList; "
                               "Claims claims []v1.ResourceClaim",
    "v1.ResourceClaim": "Name name string; Request request string",
    "v1.VolumeMount": "Name name string; ReadOnly readOnly bool; "
                      "RecursiveReadOnly recursiveReadOnly *v1.RecursiveReadOnlyMode; MountPath mountPath string; "
                      "SubPath subPath string; MountPropagation mountPropagation *v1.MountPropagationMode; "
                      "SubPathExpr subPathExpr string",
    "v1.Probe": "ProbeHandler - v1.ProbeHandler; InitialDelaySeconds initialDelaySeconds int32; "
                "TimeoutSeconds timeoutSeconds int32; PeriodSeconds periodSeconds int32; "
                "SuccessThreshold successThreshold int32; FailureThreshold failureThreshold int32; "
                "TerminationGracePeriodSeconds terminationGracePeriodSeconds *int64",
    "v1.ProbeHandler": "Exec exec *v1.ExecAction; HTTPGet httpGet *v1.HTTPGetAction; "
                       "TCPSocket tcpSocket *v1.TCPSocketAction; GRPC grpc *v1.GRPCAction",
    "v1.LifecycleHandler": "Exec exec *v1.ExecAction; HTTPGet httpGet *v1.HTTPGetAction; "
                           "TCPSocket tcpSocket *v1.TCPSocketAction; Sleep sleep *v1.SleepAction",
    "v1.Lifecycle": "PostStart postStart *v1.LifecycleHandler; PreStop preStop *v1.LifecycleHandler",
    "v1.SleepAction": "Seconds seconds int64",
    "v1.ExecAction": "Command command []string",
    "v1.HTTPGetAction": "Path path string; Port port intstr.IntOrString; Host host string; "
                        "Scheme scheme v1.URIScheme; HTTPHeaders httpHeaders []v1.HTTPHeader",
    "v1.HTTPHeader": "Name name string; Value value string",
    "v1.TCPSocketAction": "Port port intstr.IntOrString; Host host string",
    "v1.GRPCAction": "Port port int32; Service service *string",
    "v1.PodSecurityContext": "SELinuxOptions seLinuxOptions *v1.SELinuxOptions; "
                             "WindowsOptions windowsOptions *v1.WindowsSecurityContextOptions; "
                             "RunAsUser runAsUser *int64; RunAsGroup runAsGroup *int64; "
                             "RunAsNonRoot runAsNonRoot *bool; SupplementalGroups supplementalGroups []int64; "
                             "SupplementalGroupsPolicy supplementalGroupsPolicy *v1.SupplementalGroupsPolicy; "
                             "FSGroup fsGroup *int64; Sysctls sysctls []v1.Sysctl; "
                             "FSGroupChangePolicy fsGroupChangePolicy *v1.PodFSGroupChangePolicy; "
                             "SeccompProfile seccompProfile *v1.SeccompProfile; "
                             "AppArmorProfile appArmorProfile *v1.AppArmorProfile; "
                             "SELinuxChangePolicy seLinuxChangePolicy *v1.PodSELinuxChangePolicy",
    "v1.SecurityContext": "Capabilities capabilities *v1.Capabilities; Privileged privileged *bool; "
                          "SELinuxOptions seLinuxOptions *v1.SELinuxOptions; "
                          "WindowsOptions windowsOptions *v1.WindowsSecurityContextOptions; "
                          "RunAsUser runAsUser *int64; RunAsGroup runAsGroup *int64; "
                          "RunAsNonRoot runAsNonRoot *bool; ReadOnlyRootFilesystem readOnlyRootFilesystem *bool; "
                          "AllowPrivilegeEscalation allowPrivilegeEscalation *bool; "
                          "ProcMount procMount *v1.ProcMountType; SeccompProfile seccompProfile *v1.SeccompProfile; "
                          "AppArmorProfile appArmorProfile *v1.AppArmorProfile",
    "v1.Capabilities": "Add add []v1.Capability; Drop drop []v1.Capability",
    "v1.SeccompProfile": "Type type v1.SeccompProfileType; LocalhostProfile localhostProfile *string",
    "v1.Sysctl": "Name name string; Value value string",
    "v1.Toleration": "Key key string; Operator operator v1.TolerationOperator; Value value string; "
                     "Effect effect v1.TaintEffect; TolerationSeconds tolerationSeconds *int64",
    "v1.Volume": "Name name string; VolumeSource - v1.VolumeSource",
    "v1.VolumeSource": "HostPath hostPath *v1.HostPathVolumeSource; EmptyDir emptyDir *v1.EmptyDirVolumeSource; "
                       "GCEPersistentDisk gcePersistentDisk *v1.GCEPersistentDiskVolumeSource; "
                       "AWSElasticBlockStore awsElasticBlockStore *v1.AWSElasticBlockStoreVolumeSource; "
                       "GitRepo gitRepo *v1.GitRepoVolumeSource; Secret secret *v1.SecretVolumeSource; "
                       "NFS nfs *v1.NFSVolumeSource; ISCSI iscsi *v1.ISCSIVolumeSource; "
                       "Glusterfs glusterfs *v1.GlusterfsVolumeSource; "
                       "PersistentVolumeClaim persistentVolumeClaim *v1.PersistentVolumeClaimVolumeSource; "
                       "RBD rbd *v1.RBDVolumeSource; FlexVolume flexVolume *v1.FlexVolumeSource; "
                       "Cinder cinder *v1.CinderVolumeSource; CephFS cephfs *v1.CephFSVolumeSource; "
                       "Flocker flocker *v1.FlockerVolumeSource; DownwardAPI downwardAPI *v1.DownwardAPIVolumeSource; "
                       "FC fc *v1.FCVolumeSource; AzureFile azureFile *v1.AzureFileVolumeSource; "
                       "ConfigMap configMap *v1.ConfigMapVolumeSource; "
                       "VsphereVolume vsphereVolume *v1.VsphereVirtualDiskVolumeSource; "
                       "Quobyte quobyte *v1.QuobyteVolumeSource; AzureDisk azureDisk *v1.AzureDiskVolumeSource; "
                       "PhotonPersistentDisk photonPersistentDisk *v1.PhotonPersistentDiskVolumeSource; "
                       "Projected projected *v1.ProjectedVolumeSource; "
                       "PortworxVolume portworxVolume *v1.PortworxVolumeSource; "
                       "ScaleIO scaleIO *v1.ScaleIOVolumeSource; StorageOS storageos *v1.StorageOSVolumeSource; "
                       "CSI csi *v1.CSIVolumeSource; Ephemeral ephemeral *v1.EphemeralVolumeSource; "
                       "Image image *v1.ImageVolumeSource",
    "v1.HostPathVolumeSource": "Path path string; Type type *v1.HostPathType",
    "v1.EmptyDirVolumeSource": "Medium medium v1.StorageMedium; SizeLimit sizeLimit *resource.Quantity",
    "v1.SecretVolumeSource": "SecretName secretName string; Items items []v1.KeyToPath; "
                             "DefaultMode defaultMode *int32; Optional optional *bool",
    "v1.ConfigMapVolumeSource": "LocalObjectReference - v1.LocalObjectReference; Items items []v1.KeyToPath; "
                                "DefaultMode defaultMode *int32; Optional optional *bool",
    "v1.KeyToPath": "Key key string; Path path string; Mode mode *int32",
    "v1.PersistentVolumeClaimVolumeSource": "ClaimName claimName string; ReadOnly readOnly bool",
    "v1.Time": "Time - time.Time",
}
#: named types over a basic kind (their spew type name is the named one)
_NAMED = {
    "types.UID": "string", "v1.RestartPolicy": "string", "v1.DNSPolicy": "string", "v1.PreemptionPolicy": "string",
    "v1.ContainerRestartPolicy": "string", "v1.TerminationMessagePolicy": "string", "v1.PullPolicy": "string",
    "v1.Protocol": "string", "v1.RecursiveReadOnlyMode": "string", "v1.MountPropagationMode": "string",
    "v1.URIScheme": "string", "v1.SupplementalGroupsPolicy": "string", "v1.PodFSGroupChangePolicy": "string",
    "v1.PodSELinuxChangePolicy": "string", "v1.ProcMountType": "string", "v1.Capability": "string",
    "v1.SeccompProfileType": "string", "v1.TolerationOperator": "string", "v1.TaintEffect": "string",
    "v1.HostPathType": "string", "v1.StorageMedium": "string", "v1.ResourceName": "string",
    "resource.Format": "string", "resource.Scale": "int32", "intstr.Type": "int64",
}
_NAMED_MAPS = {"v1.ResourceList": "map[v1.ResourceName]resource.Quantity"}
_FIELDS = {name: [tuple(f.split()) for f in spec.split("; ")] for name, spec in _STRUCTS.items()}


class _Unknown(Exception):
    """A value of a type outside the schema (see "simplified" above)."""


def spew(template: dict) -> str:
    """go-spew's ``%#v`` of a v1.PodTemplateSpec given as a wire-shape dict."""
    out: list[str] = []
    _format(template, "v1.PodTemplateSpec", False, out)
    return "".join(out)


def _format(value, typ: str, ignore_type: bool, out: list[str]) -> None:
    if typ.startswith("*"):
        elem = typ[1:]
        if value is None:
            out.append("<nil>" if ignore_type else f"({typ})<nil>")
            return
        out.append("<*>" if ignore_type else f"(*{elem})")
        _format(value, elem, True, out)
        return
    if not ignore_type:
        out.append(f"({typ})")
    if typ in _NAMED_MAPS or typ.startswith("map["):
        key_t, val_t = _map_types(_NAMED_MAPS.get(typ, typ))
        if not value:
            out.append("<nil>")
            return
        out.append("map[")
        for i, key in enumerate(sorted(value)):
            if i:
                out.append(" ")
            _format(key, key_t, True, out)
            out.append(":")
            _format(value[key], val_t, True, out)
        out.append("]")
    elif typ.startswith("[]"):
        if not value:
            out.append("<nil>")
            return
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(" ")
            _format(item, typ[2:], True, out)
        out.append("]")
    elif typ in _FIELDS:
        value = value or {}
        out.append("{")
        for i, (name, key, ftype) in enumerate(_FIELDS[typ]):
            if i:
                out.append(" ")
            out.append(f"{name}:")
            _format(value if key == "-" else value.get(key), ftype, False, out)
        out.append("}")
    elif typ == "time.Time":
        if value:
            raise _Unknown(typ)
        out.append("{wall:(uint64)0 ext:(int64)0 loc:(*time.Location)<nil>}")
    elif typ == "resource.Quantity":
        out.append(_quantity(value))
    elif typ == "intstr.IntOrString":
        is_str = isinstance(value, str)
        out.append(f"{{Type:(intstr.Type){int(is_str)} IntVal:(int32){0 if is_str else int(value or 0)} "
                   f"StrVal:(string){value if is_str else ''}}}")
    else:
        kind = _NAMED.get(typ, typ)
        if kind == "string":
            out.append("" if value is None else str(value))
        elif kind == "bool":
            out.append("true" if value else "false")
        elif kind in ("int32", "int64", "uint64"):
            out.append(str(int(value or 0)))
        else:
            raise _Unknown(typ)


def _map_types(typ: str) -> tuple[str, str]:
    inner = typ[4:]
    depth = 0
    for i, ch in enumerate(inner):
        depth += ch == "["
        depth -= ch == "]"
        if depth < 0:
            return inner[:i], inner[i + 1:]
    raise _Unknown(typ)


_SUFFIX_EXP = {"": 0, "n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY_EXP = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}


def _quantity(value) -> str:
    """resource.Quantity's fields as ParseQuantity's int64 fast path leaves them for the
    canonical string the API server stores (``s`` is kept only for canonical forms)."""
    text = str(parse_quantity(str(value)))
    digits = text.rstrip("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
    suffix = text[len(digits):]
    if not digits.lstrip("-").isdigit():
        raise _Unknown("resource.Quantity")
    num = int(digits)
    if suffix in _BINARY_EXP:
        exp = _BINARY_EXP[suffix]
        fmt, scale, amount = "BinarySI", 0, num << exp
        cached = exp % 10 == 0 and (abs(num) & 7) != 0
    elif suffix in _SUFFIX_EXP:
        fmt, scale, amount = "DecimalSI", _SUFFIX_EXP[suffix], num
        cached = scale % 3 == 0 and not digits.lstrip("-").endswith("000") and digits.lstrip("-")[0] != "0"
    else:
        raise _Unknown("resource.Quantity")
    return (f"{{i:(resource.int64Amount){{value:(int64){amount} scale:(resource.Scale){scale}}} "
            f"d:(resource.infDecAmount){{Dec:(*inf.Dec)<nil>}} s:(string){text if cached else ''} "
            f"Format:(resource.Format){fmt}}}")


def fnv32a(data: bytes, h: int = 0x811C9DC5) -> int:
    """hash/fnv New32a: FNV-1a, 32 bits."""
    for byte in data:
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def safe_encode(text: str) -> str:
    """rand.SafeEncodeString: each byte picks a character of the vowel-free alphabet."""
    return "".join(NAME_ALPHABET[ord(ch) % len(NAME_ALPHABET)] for ch in text)


def compute_hash(template: dict, collision_count: int | None = None) -> str:
    """controller.ComputeHash: the pod-template-hash label value (``7c5ddbdf54``)."""
    try:
        data = spew(template).encode()
    except _Unknown:
        data = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    h = fnv32a(data)
    if collision_count is not None:
        h = fnv32a((collision_count & 0xFFFFFFFF).to_bytes(4, "little") + bytes(4), h)
    return safe_encode(str(h))
