"""kill, df, mount, ipcs and /proc inside containers, as busybox and GNU print them.

Sources: kubernetes.io "Share Process Namespace between Containers in a Pod" (``kill -HUP``
to nginx: the master stays, new workers appear); pid_namespaces(7) ("Only signals for
which the init process has established a signal handler can be sent to the init process
by other members of the PID namespace", SIGKILL included); proc(5) for /proc/<pid>/status,
cmdline (NUL-terminated arguments) and ns/pid_for_children, time_for_children;
busybox 1.36's df, mount and ipcs output formats.
"""
import kubelab as kl


def pod(name, containers, **spec):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": dict({"containers": containers}, **spec)}


def shell(name="shell", command=("sleep", "3600"), **extra):
    return {"name": name, "image": "busybox:1.36", "command": list(command), **extra}


def sh(c, name, command, container="shell"):
    return c.api.exec(name, "default", container, ["sh", "-c", command])


def restarts(c, name, container):
    return next(s["restartCount"] for s in c.get("pod", name)["status"]["containerStatuses"]
                if s["name"] == container)


def shared_nginx():
    c = kl.Cluster(nodes=1)
    c.apply(pod("nginx", [{"name": "nginx", "image": "nginx:1.27"}, shell()], shareProcessNamespace=True))
    c.run(10)
    return c


def test_hup_makes_nginx_start_new_workers_and_keep_its_master():
    c = shared_nginx()
    before, _ = sh(c, "nginx", "ps")
    master = next(line.split()[0] for line in before.splitlines() if "master process" in line)
    workers = [line.split()[0] for line in before.splitlines() if "worker process" in line]
    assert sh(c, "nginx", f"kill -HUP {master}") == ("", 0)
    after, _ = sh(c, "nginx", "ps")
    assert f"{master} root      0:00 nginx: master process nginx -g daemon off;" in after
    new = [line.split()[0] for line in after.splitlines() if "worker process" in line]
    assert len(new) == len(workers) and not set(new) & set(workers)
    assert "signal 1 (SIGHUP) received, reconfiguring" in c.api.logs("nginx", "default", container="nginx")
    c.run(5)
    assert restarts(c, "nginx", "nginx") == 0


def test_a_signal_without_a_handler_kills_another_containers_process():
    c = shared_nginx()
    sleeper, _ = sh(c, "nginx", "ps | grep 'sleep 3600' | grep -v grep")
    c.api.exec("nginx", "default", "nginx", ["kill", sleeper.split()[0]])
    c.run(15)
    status = next(s for s in c.get("pod", "nginx")["status"]["containerStatuses"] if s["name"] == "shell")
    assert status["lastState"]["terminated"]["exitCode"] == 143          # 128 + SIGTERM
    assert status["restartCount"] == 1


def test_pid_1_ignores_even_sigkill_from_inside_its_namespace():
    c = kl.Cluster(nodes=1)
    c.apply(pod("lonely", [shell()]))
    c.run(10)
    assert sh(c, "lonely", "kill -9 1; kill 1; kill -s KILL 1") == ("", 0)
    c.run(5)
    assert restarts(c, "lonely", "shell") == 0
    assert sh(c, "lonely", "kill 999") == ("kill: can't kill pid 999: No such process\n", 1)


def test_proc_shows_the_namespace_the_process_lives_in():
    c = kl.Cluster(nodes=1)
    c.apply(pod("proc", [shell()]))
    c.run(10)
    listing, _ = sh(c, "proc", "ls /proc")
    # PID 1 is sleep, 7 the exec'd sh (which runs its only command itself); the kernel's files, the links
    assert listing.split() == ["1", "7", "cmdline", "mounts", "self", "thread-self", "uptime", "version"]
    assert c.api.exec("proc", "default", "shell", ["cat", "/proc/1/cmdline"]) == ("sleep\x003600\x00", 0)
    status, _ = c.api.exec("proc", "default", "shell", ["cat", "/proc/self/status"])
    fields = dict(line.split(":\t", 1) for line in status.splitlines())
    assert (fields["Name"], fields["State"], fields["Pid"], fields["PPid"]) == ("cat", "R (running)", "19", "0")
    child, _ = sh(c, "proc", "cat /proc/self/status | grep PPid")
    assert child == "PPid:\t25\n"                   # the shell that started it
    one, _ = c.api.exec("proc", "default", "shell", ["cat", "/proc/1/status"])
    assert "Name:\tsleep\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t1\nNgid:\t0\nPid:\t1\nPPid:\t0\n" in one
    links, _ = c.api.exec("proc", "default", "shell", ["ls", "/proc/self/ns"])
    assert links.split() == ["cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time",
                             "time_for_children", "user", "uts"]
    same, _ = c.api.exec("proc", "default", "shell", ["readlink", "/proc/self/ns/pid", "/proc/self/ns/pid_for_children",
                                                      "/proc/self/ns/time", "/proc/self/ns/time_for_children"])
    pid, pid_children, time, time_children = same.split()
    assert pid == pid_children and time == time_children == "time:[4026531834]"
    assert sh(c, "proc", "echo x > /proc/1/comm") == ("sh: can't create /proc/1/comm: Permission denied\n", 1)


VOLUMES = [{"name": "cache", "emptyDir": {"medium": "Memory", "sizeLimit": "16Mi"}},
           {"name": "scratch", "emptyDir": {}},
           {"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]
MOUNTS = [{"name": "data", "mountPath": "/data"}, {"name": "cache", "mountPath": "/cache"},
          {"name": "scratch", "mountPath": "/scratch", "readOnly": True}]


def mounted():
    c = kl.Cluster(nodes=1)
    c.apply([{"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "disk"},
              "provisioner": "kubelab.io/disk"},
             {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
              "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "disk",
                       "resources": {"requests": {"storage": "2Gi"}}}},
             pod("mounts", [shell(volumeMounts=MOUNTS), {"name": "web", "image": "nginx:1.27"}], volumes=VOLUMES)])
    c.run(10)
    return c


def test_mount_lists_the_root_the_volumes_in_order_and_the_kubelets_files():
    c = mounted()
    assert c.api.exec("mounts", "default", "shell", ["mount"])[0].splitlines()[7:] == [
        "/dev/sdb on /data type ext4 (rw,relatime)",                # the attached disk
        "tmpfs on /cache type tmpfs (rw,relatime,size=16384k)",      # medium: Memory, sizeLimit
        "/dev/vda1 on /scratch type ext4 (ro,relatime)",             # emptyDir: the node's disk
        "/dev/vda1 on /etc/hosts type ext4 (rw,relatime)",
        "/dev/vda1 on /dev/termination-log type ext4 (rw,relatime)",
        "/dev/vda1 on /etc/hostname type ext4 (rw,relatime)",
        "/dev/vda1 on /etc/resolv.conf type ext4 (rw,relatime)",
        "shm on /dev/shm type tmpfs (rw,nosuid,nodev,noexec,relatime,size=65536k)"]
    assert c.api.exec("mounts", "default", "shell", ["cat", "/proc/mounts"])[0].splitlines()[7] == \
        "/dev/sdb /data ext4 rw,relatime 0 0"


def test_df_shows_each_file_system_with_what_is_used_on_it():
    c = mounted()
    sh(c, "mounts", "seq 1 1000 > /data/numbers; echo hi > /cache/hi")
    # busybox df: 1K blocks; files take whole 4 KiB pages; the node's 100Gi disk shows a fixed 12% used
    assert sh(c, "mounts", "df /data /cache /scratch") == (
        "Filesystem           1K-blocks      Used Available Use% Mounted on\n"
        "/dev/sdb               2097152         4   2097148   1% /data\n"
        "tmpfs                    16384         4     16380   1% /cache\n"
        "/dev/vda1            104857600  12582912  92274688  12% /scratch\n", 0)
    # coreutils df in the nginx container: columns as wide as their widest cell
    out, _ = c.api.exec("mounts", "default", "web", ["df", "-h"])
    assert out.splitlines()[:3] == ["Filesystem Size Used Avail Use% Mounted on",
                                    "overlay    100G  12G   88G  12% /",
                                    "tmpfs       64M    0   64M   0% /dev"]


def test_ipcs_lists_the_pods_ipc_namespace_tables():
    c = mounted()
    assert c.api.exec("mounts", "default", "shell", ["ipcs"])[0] == (
        "\n------ Shared Memory Segments --------\n"
        "key        shmid      owner      perms      bytes      nattch     status      \n"
        "\n------ Semaphore Arrays --------\n"
        "key        semid      owner      perms      nsems     \n"
        "\n------ Message Queues --------\n"
        "key        msqid      owner      perms      used-bytes   messages    \n\n")
    # util-linux's order in a Debian image
    assert c.api.exec("mounts", "default", "web", ["ipcs", "-m"])[0] == (
        "\n------ Shared Memory Segments --------\n"
        "key        shmid      owner      perms      bytes      nattch     status      \n\n")
