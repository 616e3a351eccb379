//! kubectl, a client nobody here wrote, drives the standalone simulator
//! through a tenant's day and is checked by its own output: namespace,
//! quota, limit range, deployment apply, rollout, scale, server-side apply
//! conflict and force, patch, watch, a quota refusal, an RBAC refusal for a
//! namespaced token, namespace deletion. kubectl must be on PATH (it is on
//! these machines); the simulator runs over TLS with a token, as a cluster does.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

#[path = "common/standalone.rs"]
mod standalone;

use standalone::{wait_for, Standalone};

struct Sim {
    inner: Standalone,
}

/// The outcome of one kubectl run.
struct Run {
    ok: bool,
    out: String,
    err: String,
}

impl Run {
    fn both(&self) -> String {
        format!("{}{}", self.out, self.err)
    }
}

fn from(o: Output) -> Run {
    Run {
        ok: o.status.success(),
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

impl Sim {
    fn start() -> Sim {
        let sim = Sim {
            inner: Standalone::start(),
        };
        sim.wait_for("the simulator answers", Duration::from_secs(30), || {
            sim.kubectl(&["get", "--raw", "/readyz"]).ok
        });
        sim
    }

    fn kubeconfig(&self) -> &std::path::Path {
        &self.inner.kubeconfig
    }

    fn home(&self) -> &std::path::Path {
        &self.inner.dir
    }

    fn kubectl_with(&self, args: &[&str], stdin: Option<&str>, token: Option<&str>) -> Run {
        let mut cmd = Command::new("kubectl");
        cmd.arg("--kubeconfig").arg(self.kubeconfig());
        if let Some(t) = token {
            cmd.arg(format!("--token={t}"));
        }
        cmd.args(args)
            .env("HOME", self.home())
            .env_remove("KUBECONFIG")
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("kubectl must be on PATH: {e}"));
        if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(text.as_bytes()).expect("kubectl stdin");
        }
        from(child.wait_with_output().expect("kubectl runs"))
    }

    fn kubectl(&self, args: &[&str]) -> Run {
        self.kubectl_with(args, None, None)
    }

    /// kubectl that must succeed; its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let run = self.kubectl(args);
        assert!(run.ok, "kubectl {} failed: {}", args.join(" "), run.both());
        run.out
    }

    fn apply(&self, args: &[&str], manifest: &str) -> Run {
        self.kubectl_with(args, Some(manifest), None)
    }

    fn wait_for(&self, what: &str, patience: Duration, done: impl FnMut() -> bool) {
        wait_for(what, patience, done)
    }
}

const LIMITS: &str = r#"
apiVersion: v1
kind: LimitRange
metadata: {name: defaults, namespace: shop}
spec:
  limits:
  - type: Container
    defaultRequest: {cpu: 100m, memory: 64Mi}
    default: {cpu: 200m, memory: 128Mi}
"#;

fn web(replicas: u32, image: &str) -> String {
    format!(
        r#"
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop, labels: {{app: web}}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: web
        image: {image}
        ports: [{{containerPort: 80}}]
"#
    )
}

const GREEDY: &str = r#"
apiVersion: v1
kind: Pod
metadata: {name: greedy, namespace: shop}
spec:
  containers:
  - name: main
    image: busybox
    resources: {requests: {cpu: "3"}, limits: {cpu: "3"}}
"#;

fn lines_with<'a>(text: &'a str, needle: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.contains(needle)).collect()
}

#[test]
fn a_tenants_day_with_kubectl() {
    let sim = Sim::start();
    let version = sim.ok(&["version", "-o", "json"]);
    assert!(
        version.contains("\"gitVersion\": \"v1.37.0-berth-sim\""),
        "{version}"
    );

    // The namespace, its quota and limit range.
    assert_eq!(
        sim.ok(&["create", "namespace", "shop"]).trim(),
        "namespace/shop created"
    );
    let quota = sim.ok(&[
        "-n",
        "shop",
        "create",
        "quota",
        "q",
        "--hard=pods=4,requests.cpu=2,requests.memory=2Gi,limits.cpu=4,limits.memory=4Gi",
    ]);
    assert_eq!(quota.trim(), "resourcequota/q created");
    let limits = sim.apply(&["apply", "-f", "-"], LIMITS);
    assert!(limits.ok, "{}", limits.both());
    assert_eq!(limits.out.trim(), "limitrange/defaults created");

    // kubectl asks for strict field validation: a typo is refused, naming the field.
    let typo = sim.apply(
        &["apply", "-f", "-"],
        &web(2, "nginx:1.27").replace("replicas:", "replica:"),
    );
    assert!(!typo.ok, "{}", typo.both());
    assert!(
        typo.err.contains(r#"Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica""#),
        "{}",
        typo.err
    );
    let warned = sim.apply(
        &["apply", "--validate=warn", "--dry-run=server", "-f", "-"],
        &web(2, "nginx:1.27").replace("ports:", "portz:"),
    );
    assert!(
        warned
            .err
            .contains(r#"Warning: unknown field "spec.template.spec.containers[0].portz""#),
        "{}",
        warned.both()
    );

    // A deployment, applied (client-side, validated against the OpenAPI), then rolled out.
    let applied = sim.apply(&["apply", "-f", "-"], &web(2, "nginx:1.27"));
    assert_eq!(
        applied.out.trim(),
        "deployment.apps/web created",
        "{}",
        applied.both()
    );
    let again = sim.apply(&["apply", "-f", "-"], &web(2, "nginx:1.27"));
    assert_eq!(
        again.out.trim(),
        "deployment.apps/web unchanged",
        "{}",
        again.both()
    );
    let status = sim.ok(&[
        "-n",
        "shop",
        "rollout",
        "status",
        "deploy/web",
        "--timeout=60s",
    ]);
    assert!(
        status.contains("deployment \"web\" successfully rolled out"),
        "{status}"
    );

    // `get` prints kubectl's own columns from the server's Table.
    let pods = sim.ok(&["-n", "shop", "get", "pods", "-o", "wide"]);
    let header: Vec<&str> = pods
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        [
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED",
            "NODE",
            "READINESS",
            "GATES"
        ],
        "{pods}"
    );
    assert_eq!(lines_with(&pods, "Running").len(), 2, "{pods}");
    assert!(
        lines_with(&pods, "1/1").len() == 2 && lines_with(&pods, "sim-node-").len() == 2,
        "{pods}"
    );
    let deploy = sim.ok(&["-n", "shop", "get", "deploy"]);
    assert!(
        deploy.starts_with("NAME   READY   UP-TO-DATE   AVAILABLE   AGE"),
        "{deploy}"
    );
    let quota = sim.ok(&["-n", "shop", "get", "quota", "q"]);
    assert!(
        quota.contains("requests.cpu: 200m/2"),
        "the limit range's default requests are counted: {quota}"
    );

    // The limit range defaulted the containers, and said so.
    let pod = sim.ok(&["-n", "shop", "get", "pods", "-o", "jsonpath={.items[0].spec.containers[0].resources.requests.cpu} {.items[0].metadata.annotations}"]);
    assert!(pod.starts_with("100m "), "{pod}");
    assert!(
        pod.contains("LimitRanger plugin set: cpu, memory request for container web; cpu, memory limit for container web"),
        "{pod}"
    );

    // Scale and roll out a new image; history and undo.
    assert_eq!(
        sim.ok(&["-n", "shop", "scale", "deploy/web", "--replicas=3"])
            .trim(),
        "deployment.apps/web scaled"
    );
    sim.ok(&[
        "-n",
        "shop",
        "rollout",
        "status",
        "deploy/web",
        "--timeout=60s",
    ]);
    assert_eq!(
        sim.ok(&["-n", "shop", "set", "image", "deploy/web", "web=nginx:1.28"])
            .trim(),
        "deployment.apps/web image updated"
    );
    sim.ok(&[
        "-n",
        "shop",
        "rollout",
        "status",
        "deploy/web",
        "--timeout=60s",
    ]);
    let history = sim.ok(&["-n", "shop", "rollout", "history", "deploy/web"]);
    assert!(
        history.contains("REVISION") && lines_with(&history, "<none>").len() == 2,
        "{history}"
    );
    assert_eq!(
        sim.ok(&["-n", "shop", "rollout", "undo", "deploy/web"])
            .trim(),
        "deployment.apps/web rolled back"
    );
    sim.wait_for("the rollback to 1.27", Duration::from_secs(30), || {
        sim.ok(&[
            "-n",
            "shop",
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}",
        ]) == "nginx:1.27"
    });

    // Server-side apply: kubectl-scale's `kubectl` owns the replicas, so a
    // second manager conflicts, and takes them with --force-conflicts.
    let ssa = sim.apply(
        &["apply", "--server-side", "--field-manager=ci", "-f", "-"],
        &web(1, "nginx:1.27"),
    );
    assert!(!ssa.ok, "{}", ssa.both());
    assert!(
        ssa.err.contains(
            "Apply failed with 1 conflict: conflict with \"kubectl\" using apps/v1: .spec.replicas"
        ),
        "{}",
        ssa.err
    );
    let forced = sim.apply(
        &[
            "apply",
            "--server-side",
            "--field-manager=ci",
            "--force-conflicts",
            "-f",
            "-",
        ],
        &web(1, "nginx:1.27"),
    );
    assert_eq!(
        forced.out.trim(),
        "deployment.apps/web serverside-applied",
        "{}",
        forced.both()
    );
    assert_eq!(
        sim.ok(&[
            "-n",
            "shop",
            "get",
            "deploy",
            "web",
            "-o",
            "jsonpath={.spec.replicas}"
        ]),
        "1"
    );

    // Patch, label, annotate; explain and diff read the OpenAPI documents.
    assert_eq!(
        sim.ok(&[
            "-n",
            "shop",
            "patch",
            "deploy",
            "web",
            "-p",
            r#"{"spec":{"replicas":2}}"#
        ])
        .trim(),
        "deployment.apps/web patched"
    );
    assert_eq!(
        sim.ok(&["-n", "shop", "label", "deploy", "web", "tier=front"])
            .trim(),
        "deployment.apps/web labeled"
    );
    assert_eq!(
        sim.ok(&["-n", "shop", "annotate", "deploy", "web", "owner=shop-team"])
            .trim(),
        "deployment.apps/web annotated"
    );
    let explain = sim.ok(&["explain", "deployment.spec.replicas"]);
    assert!(
        explain.contains("FIELD: replicas <integer>") && explain.contains("Number of desired pods"),
        "{explain}"
    );
    let diff = sim.apply(&["diff", "-f", "-"], &web(5, "nginx:1.27"));
    assert!(
        diff.out.contains("-  replicas: 2") && diff.out.contains("+  replicas: 5"),
        "{}",
        diff.both()
    );

    // Logs and metrics of the pods.
    sim.wait_for("three pods gone to two", Duration::from_secs(30), || {
        lines_with(
            &sim.ok(&["-n", "shop", "get", "pods", "--no-headers"]),
            "Running",
        )
        .len()
            == 2
    });
    let logs = sim.ok(&["-n", "shop", "logs", "deploy/web", "--tail=5"]);
    assert!(!logs.trim().is_empty(), "a container has logs");
    let top = sim.ok(&["-n", "shop", "top", "pods"]);
    assert!(
        top.starts_with("NAME")
            && top.contains("CPU(cores)")
            && lines_with(&top, "web-").len() == 2,
        "{top}"
    );

    // A watch reports a change made while it runs.
    let mut watch = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(sim.kubeconfig())
        .args([
            "-n",
            "shop",
            "get",
            "configmaps",
            "--watch",
            "--output-watch-events",
        ])
        .env("HOME", sim.home())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("kubectl watch");
    let reader = BufReader::new(watch.stdout.take().expect("watch output"));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in reader.lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    sim.ok(&[
        "-n",
        "shop",
        "create",
        "configmap",
        "settings",
        "--from-literal=mode=fast",
    ]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    while !seen
        .iter()
        .any(|l: &String| l.starts_with("ADDED") && l.contains("settings"))
    {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => seen.push(line),
            Err(_) => panic!("the watch did not report the new config map: {seen:?}"),
        }
    }
    let _ = watch.kill();
    let _ = watch.wait();
    assert!(
        seen[0].starts_with("EVENT"),
        "kubectl's watch header: {seen:?}"
    );

    // A pod larger than the quota is refused with kube-apiserver's words.
    let greedy = sim.apply(&["apply", "-f", "-"], GREEDY);
    assert!(!greedy.ok, "{}", greedy.both());
    assert!(
        greedy
            .err
            .contains("is forbidden: exceeded quota: q, requested: requests.cpu=3"),
        "{}",
        greedy.err
    );

    // Discovery as kubectl lists it.
    let resources = sim.ok(&["api-resources"]);
    let deployments: Vec<&str> = lines_with(&resources, "Deployment");
    assert!(
        deployments
            .iter()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["deployments", "deploy", "apps/v1", "true", "Deployment"]),
        "{resources}"
    );

    // The namespace goes through Terminating and is gone.
    let deleted = sim.ok(&["delete", "namespace", "shop", "--timeout=60s"]);
    assert_eq!(deleted.trim(), "namespace \"shop\" deleted");
    let gone = sim.kubectl(&["get", "namespace", "shop"]);
    assert!(
        !gone.ok && gone.err.contains("namespaces \"shop\" not found"),
        "{}",
        gone.both()
    );
}

#[test]
fn a_namespaced_token_has_only_what_its_role_binding_grants() {
    let sim = Sim::start();
    sim.ok(&["create", "namespace", "shop"]);
    sim.ok(&["create", "namespace", "other"]);
    sim.ok(&["-n", "shop", "create", "serviceaccount", "viewer"]);
    sim.ok(&[
        "-n",
        "shop",
        "create",
        "rolebinding",
        "viewer",
        "--clusterrole=view",
        "--serviceaccount=shop:viewer",
    ]);
    sim.ok(&["-n", "shop", "create", "deployment", "web", "--image=nginx"]);
    let token = sim
        .ok(&["-n", "shop", "create", "token", "viewer"])
        .trim()
        .to_string();
    let as_viewer = |args: &[&str]| sim.kubectl_with(args, None, Some(&token));

    let who = as_viewer(&["auth", "whoami"]);
    assert!(
        who.ok && who.out.contains("system:serviceaccount:shop:viewer"),
        "{}",
        who.both()
    );
    let listed = as_viewer(&["-n", "shop", "get", "deployments"]);
    assert!(listed.ok && listed.out.contains("web"), "{}", listed.both());
    assert_eq!(
        as_viewer(&["-n", "shop", "auth", "can-i", "list", "pods"])
            .out
            .trim(),
        "yes"
    );
    assert_eq!(
        as_viewer(&["-n", "shop", "auth", "can-i", "delete", "deployments"])
            .out
            .trim(),
        "no"
    );
    assert_eq!(
        as_viewer(&["-n", "other", "auth", "can-i", "list", "pods"])
            .out
            .trim(),
        "no"
    );
    assert_eq!(
        as_viewer(&["-n", "shop", "auth", "can-i", "get", "secrets"])
            .out
            .trim(),
        "no",
        "view does not read secrets"
    );

    let refused = as_viewer(&["-n", "shop", "delete", "deployment", "web"]);
    assert!(!refused.ok, "{}", refused.both());
    assert!(
        refused.err.contains(r#"deployments.apps "web" is forbidden: User "system:serviceaccount:shop:viewer" cannot delete resource "deployments" in API group "apps" in the namespace "shop""#),
        "{}",
        refused.err
    );
    let elsewhere = as_viewer(&["-n", "other", "get", "pods"]);
    assert!(elsewhere.err.contains(r#"pods is forbidden: User "system:serviceaccount:shop:viewer" cannot list resource "pods" in API group "" in the namespace "other""#), "{}", elsewhere.both());
    let nodes = as_viewer(&["get", "nodes"]);
    assert!(
        nodes.err.contains("at the cluster scope"),
        "{}",
        nodes.both()
    );

    // Granting edit through the same binding mechanism lets the delete through.
    sim.ok(&[
        "-n",
        "shop",
        "create",
        "rolebinding",
        "editor",
        "--clusterrole=edit",
        "--serviceaccount=shop:viewer",
    ]);
    let deleted = as_viewer(&["-n", "shop", "delete", "deployment", "web"]);
    assert!(deleted.ok, "{}", deleted.both());
    assert_eq!(deleted.out.trim(), "deployment.apps \"web\" deleted");

    // The simulator's test controls are the administrator's only.
    let control = as_viewer(&["get", "--raw", "/__sim/faults"]);
    assert!(
        !control.ok && control.err.contains("Forbidden"),
        "{}",
        control.both()
    );

    // A token whose service account is gone no longer signs anyone in.
    sim.ok(&["-n", "shop", "delete", "serviceaccount", "viewer"]);
    let after = as_viewer(&["-n", "shop", "get", "pods"]);
    assert!(
        !after.ok && after.err.contains("Unauthorized"),
        "{}",
        after.both()
    );
}

const WIDGETS: &str = r#"
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wg]}
  versions:
  - name: v1
    served: true
    storage: true
    additionalPrinterColumns:
    - {name: Size, type: integer, jsonPath: .spec.size}
    - {name: Age, type: date, jsonPath: .metadata.creationTimestamp}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer, minimum: 1}
"#;

#[test]
fn a_custom_resource_definition_is_served_to_kubectl() {
    let sim = Sim::start();
    let crd = sim.apply(&["apply", "-f", "-"], WIDGETS);
    assert_eq!(
        crd.out.trim(),
        "customresourcedefinition.apiextensions.k8s.io/widgets.example.com created",
        "{}",
        crd.both()
    );
    sim.wait_for(
        "the widgets resource in discovery",
        Duration::from_secs(30),
        || {
            sim.kubectl(&["api-resources", "--api-group=example.com"])
                .out
                .contains("widgets")
        },
    );
    let explain = sim.ok(&["explain", "widgets.spec"]);
    assert!(
        explain.contains("KIND:       Widget") && explain.contains("size\t<integer> -required-"),
        "{explain}"
    );
    let made = sim.apply(&["apply", "-f", "-"], "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1, namespace: default}\nspec: {size: 3}\n");
    assert_eq!(
        made.out.trim(),
        "widget.example.com/w1 created",
        "{}",
        made.both()
    );
    let listed = sim.ok(&["get", "wg"]);
    let header: Vec<&str> = listed
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    assert_eq!(header, ["NAME", "SIZE", "AGE"], "{listed}");
    assert!(
        listed
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("w1") && l.split_whitespace().nth(1) == Some("3")),
        "{listed}"
    );
    let small = sim.apply(&["apply", "-f", "-"], "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w2, namespace: default}\nspec: {size: 0}\n");
    assert!(!small.ok && small.err.contains("spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1"), "{}", small.both());
    let typo = sim.apply(&["apply", "-f", "-"], "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w3, namespace: default}\nspec: {size: 1, colour: red}\n");
    assert!(
        !typo.ok && typo.err.contains(r#"unknown field "spec.colour""#),
        "{}",
        typo.both()
    );
    assert_eq!(
        sim.ok(&["delete", "crd", "widgets.example.com"]).trim(),
        "customresourcedefinition.apiextensions.k8s.io \"widgets.example.com\" deleted"
    );
}
