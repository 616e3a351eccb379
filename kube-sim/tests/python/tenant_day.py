"""A tenant's day through the official Kubernetes Python client, against the
simulator whose kubeconfig is the first argument. Prints each step; any
unexpected answer raises, so the exit code says whether the day went well.
Run by kube-sim/tests/python_client.rs."""

import sys
import time

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException


def step(text):
    print(f"- {text}", flush=True)


def expect_error(status, call, *args, **kwargs):
    try:
        call(*args, **kwargs)
    except ApiException as e:
        assert e.status == status, f"expected {status}, got {e.status}: {e.body}"
        return e
    raise AssertionError(f"expected {status}, the call succeeded")


def wait_for(what, done, patience=30.0):
    deadline = time.monotonic() + patience
    while not done():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.1)


def main(kubeconfig):
    config.load_kube_config(config_file=kubeconfig)
    core = client.CoreV1Api()
    apps = client.AppsV1Api()

    version = client.VersionApi().get_code()
    assert version.git_version.startswith("v1.37"), version.git_version
    step(f"server {version.git_version}")

    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="shop")))
    ns = core.read_namespace("shop")
    assert ns.status.phase == "Active", ns.status
    step("namespace shop is Active")

    quota = client.V1ResourceQuota(
        metadata=client.V1ObjectMeta(name="q"),
        spec=client.V1ResourceQuotaSpec(hard={"pods": "3", "requests.cpu": "1", "requests.memory": "1Gi"}),
    )
    core.create_namespaced_resource_quota("shop", quota)
    wait_for("the quota's status", lambda: (core.read_namespaced_resource_quota("q", "shop").status.hard or {}).get("pods") == "3")
    step("quota q has its status")

    cm = core.create_namespaced_config_map(
        "shop", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="settings"), data={"mode": "fast"})
    )
    stale = cm.metadata.resource_version
    core.patch_namespaced_config_map("settings", "shop", {"data": {"mode": "slow"}})
    assert core.read_namespaced_config_map("settings", "shop").data == {"mode": "slow"}
    cm.data = {"mode": "lost update"}
    conflict = expect_error(409, core.replace_namespaced_config_map, "settings", "shop", cm)
    assert "the object has been modified" in conflict.body, conflict.body
    expect_error(404, core.read_namespaced_config_map, "nothing-here", "shop")
    invalid = expect_error(
        422, core.create_namespaced_config_map, "shop", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="Not_Valid"))
    )
    assert "Not_Valid" in invalid.body, invalid.body
    step(f"config map: patched, a stale write (rv {stale}) is a 409, a missing one 404, a bad name 422")

    events = []
    w = watch.Watch()
    core.create_namespaced_config_map("shop", client.V1ConfigMap(metadata=client.V1ObjectMeta(name="watched")))
    for event in w.stream(core.list_namespaced_config_map, "shop", timeout_seconds=5):
        events.append((event["type"], event["object"].metadata.name))
        if ("ADDED", "watched") in events:
            w.stop()
    assert ("ADDED", "watched") in events, events
    step("a watch reports the new config map")

    container = client.V1Container(
        name="web",
        image="nginx:1.27",
        resources=client.V1ResourceRequirements(requests={"cpu": "100m", "memory": "64Mi"}),
    )
    deployment = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="web"),
        spec=client.V1DeploymentSpec(
            replicas=2,
            selector=client.V1LabelSelector(match_labels={"app": "web"}),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels={"app": "web"}), spec=client.V1PodSpec(containers=[container])
            ),
        ),
    )
    apps.create_namespaced_deployment("shop", deployment)
    wait_for("two ready replicas", lambda: (apps.read_namespaced_deployment_status("web", "shop").status.ready_replicas or 0) == 2)
    apps.patch_namespaced_deployment_scale("web", "shop", {"spec": {"replicas": 3}})
    wait_for("three ready replicas", lambda: (apps.read_namespaced_deployment("web", "shop").status.ready_replicas or 0) == 3)
    pods = core.list_namespaced_pod("shop", label_selector="app=web").items
    assert len(pods) == 3, [p.metadata.name for p in pods]
    log = core.read_namespaced_pod_log(pods[0].metadata.name, "shop", tail_lines=5)
    assert log.strip(), "a container has logs"
    step("deployment web: 3 ready pods after a scale, with logs")

    apps.patch_namespaced_deployment_scale("web", "shop", {"spec": {"replicas": 4}})
    wait_for("the fourth pod refused by the quota", lambda: any(
        "exceeded quota" in (e.message or "") for e in core.list_namespaced_event("shop").items
    ))
    greedy = client.V1Pod(
        metadata=client.V1ObjectMeta(name="greedy"),
        spec=client.V1PodSpec(containers=[client.V1Container(name="main", image="busybox", resources=client.V1ResourceRequirements(requests={"cpu": "2", "memory": "64Mi"}))]),
    )
    refused = expect_error(403, core.create_namespaced_pod, "shop", greedy)
    assert "exceeded quota: q" in refused.body, refused.body
    step("the quota refuses a fourth pod and a greedy one")

    apps.delete_namespaced_deployment("web", "shop", propagation_policy="Foreground")
    wait_for("the deployment's pods gone", lambda: not core.list_namespaced_pod("shop", label_selector="app=web").items)
    core.delete_namespace("shop")
    wait_for("the namespace gone", lambda: "shop" not in [n.metadata.name for n in core.list_namespace().items])
    step("deployment and namespace deleted")


if __name__ == "__main__":
    main(sys.argv[1])
