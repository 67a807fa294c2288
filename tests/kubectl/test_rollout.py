"""kubectl rollout / scale / set image against the Deployment controller, with kubectl
v1.32's wording (k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go, history.go,
rollback.go, objectpauser.go, objectrestarter.go; cmd/scale, cmd/set/set_image.go)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "controllers"))
from fake_kubelet import FakeKubelet, controllers_only  # noqa: E402

WEB = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
       "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}},
                             "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}}}}


@pytest.fixture
def c():
    cluster = controllers_only(seed=0)
    FakeKubelet(cluster, ready_after=2, bad_images={"nginx:broken"})
    cluster.apply(WEB)
    cluster.run()
    return cluster


def lines(out):
    return str(out).splitlines()


def test_rollout_status_follows_the_rollout_until_it_succeeds(c):
    assert str(c.kubectl("set image deployment/web app=nginx:1.28")) == "deployment.apps/web image updated\n"
    out = c.kubectl("rollout status deployment/web")
    assert out.returncode == 0
    assert lines(out)[0] == \
        'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...'
    assert 'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...' in lines(out)
    assert lines(out)[-1] == 'deployment "web" successfully rolled out'


def test_rollout_status_of_a_finished_rollout_prints_one_line(c):
    assert str(c.kubectl("rollout status deployment/web")) == 'deployment "web" successfully rolled out\n'


def test_rollout_status_reports_a_missed_progress_deadline(c):
    c.kubectl("set image deployment/web app=nginx:broken")
    out = c.kubectl("rollout status deployment/web")
    assert out.returncode == 1
    assert lines(out)[-1] == 'error: deployment "web" exceeded its progress deadline'


def test_rollout_status_gives_up_after_the_timeout(c):
    c.kubectl("set image deployment/web app=nginx:broken")
    out = c.kubectl("rollout status deployment/web --timeout=20s")
    assert lines(out)[-1] == "error: timed out waiting for the condition"
    assert out.returncode == 1


def test_rollout_history_lists_revisions_with_their_change_cause(c):
    # as the docs show: annotate after the change; the controller copies the annotation
    # to the new ReplicaSet (annotating first would also label the current one)
    c.kubectl("set image deployment/web app=nginx:1.28")
    c.kubectl('annotate deployment/web kubernetes.io/change-cause="image 1.28"')
    c.run()
    # the NamePrinter line ends with a space: "%s/%s %s\n" with an empty operation
    assert str(c.kubectl("rollout history deployment/web")) == (
        "deployment.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         image 1.28\n\n")


def test_rollout_history_of_one_revision_shows_its_pod_template(c):
    out = str(c.kubectl("rollout history deployment/web --revision=1"))
    assert out.startswith("deployment.apps/web with revision #1\nPod Template:\n  Labels:\tapp=web\n"
                          "\tpod-template-hash=")
    assert "    Image:\tnginx:1.27\n" in out
    assert str(c.kubectl("rollout history deployment/web --revision=9")) == \
        "error: unable to find the specified revision\n"


def test_rollout_undo_restores_the_previous_template(c):
    c.kubectl("set image deployment/web app=nginx:1.28")
    c.run()
    assert str(c.kubectl("rollout undo deployment/web")) == "deployment.apps/web rolled back\n"
    c.run()
    d = c.get("deploy", "web")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert "pod-template-hash" not in d["spec"]["template"]["metadata"]["labels"]
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    assert {p["spec"]["containers"][0]["image"] for p in c.get("pods")} == {"nginx:1.27"}


def test_rollout_undo_to_the_current_revision_is_skipped(c):
    assert str(c.kubectl("rollout undo deployment/web --to-revision=1")) == \
        "deployment.apps/web skipped rollback (current template already matches revision 1)\n"
    assert str(c.kubectl("rollout undo deployment/web")) == 'error: no rollout history found for deployment "web"\n'
    assert str(c.kubectl("rollout undo deployment/web --to-revision=7")) == \
        "error: unable to find specified revision 7 in history\n"


def test_pause_and_resume_and_their_errors(c):
    assert str(c.kubectl("rollout pause deployment/web")) == "deployment.apps/web paused\n"
    assert str(c.kubectl("rollout pause deployment/web")) == 'error: deployments.apps "web" is already paused\n'
    assert "can't restart paused deployment (run rollout resume first)" in str(c.kubectl("rollout restart deploy/web"))
    assert "you cannot rollback a paused deployment" in str(c.kubectl("rollout undo deployment/web"))
    assert str(c.kubectl("rollout resume deployment/web")) == "deployment.apps/web resumed\n"
    assert str(c.kubectl("rollout resume deployment/web")) == 'error: deployments.apps "web" is not paused\n'
    assert "paused" not in c.get("deploy", "web")["spec"]


def test_rollout_restart_stamps_the_template_with_the_simulated_time_and_rolls_out(c):
    c.run(3600)
    assert str(c.kubectl("rollout restart deployment/web")) == "deployment.apps/web restarted\n"
    c.run()
    template = c.get("deploy", "web")["spec"]["template"]
    assert template["metadata"]["annotations"] == {"kubectl.kubernetes.io/restartedAt": "2025-01-01T01:00:02Z"}
    assert len(c.get("rs")) == 2


def test_scale_sets_the_replica_count(c):
    assert str(c.kubectl("scale deployment/web --replicas=5")) == "deployment.apps/web scaled\n"
    c.run()
    assert c.get("deploy", "web")["status"]["availableReplicas"] == 5
    assert "--replicas=COUNT flag is required" in str(c.kubectl("scale deployment/web"))


def test_set_image_names_a_missing_container(c):
    assert str(c.kubectl("set image deployment/web db=postgres")) == 'error: unable to find container named "db"\n'
    assert str(c.kubectl("set image deployment/web app=nginx:1.27")) == ""      # nothing to change
