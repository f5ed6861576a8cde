#!/usr/bin/env node
// Watches the pods of one rollout of a Helm release while Helm waits for them (components/rollout-watch.ts), and
// fails naming the pod and why it is not Ready: Helm's own timeout error names neither.
// Env: NAMESPACE, RELEASE, ROLLOUT (the value of the pods' mirador.release/rollout annotation), TIMEOUT_SECONDS;
// KUBECONFIG when not ambient, KUBE_CONTEXT when the stack sets kubernetes.context. Exits 0 when every pod of the rollout is Ready (as many as its Deployments want);
// exits 1 at once on a state that does not heal by waiting (CrashLoopBackOff, ImagePullBackOff, a bad image name or
// config, a failed pod, a Helm revision that failed since the watch started), and after TIMEOUT_SECONDS with the last
// state of each pod (and its newest Warning event) otherwise.
"use strict";

const { execFileSync } = require("child_process");

const ANNOTATION = "mirador.release/rollout";
const CONCLUSIVE = ["CrashLoopBackOff", "ImagePullBackOff", "InvalidImageName", "CreateContainerConfigError"];
const { NAMESPACE: namespace, RELEASE: release, ROLLOUT: rollout } = process.env;
const timeoutSeconds = Number(process.env.TIMEOUT_SECONDS);
const intervalMs = Number(process.env.ROLLOUT_WATCH_INTERVAL_MS || 2000);

function fail(message) {
    console.error(`rollout-watch: ${message}`);
    process.exit(1);
}

if (!namespace || !release || !rollout || !(timeoutSeconds > 0)) {
    fail("NAMESPACE, RELEASE, ROLLOUT and TIMEOUT_SECONDS (> 0) must be set");
}

function kubectl(args) {
    const context = process.env.KUBE_CONTEXT ? ["--context", process.env.KUBE_CONTEXT] : [];
    return execFileSync("kubectl", ["-n", namespace, ...context, ...args], {
        encoding: "utf8",
        timeout: 20_000,
        stdio: ["ignore", "pipe", "pipe"],
    });
}

function list(kind) {
    const out = kubectl(["get", kind, "-l", `app.kubernetes.io/instance=${release}`, "-o", "json"]);
    return JSON.parse(out).items;
}

const ofRollout = (annotations) => (annotations || {})[ANNOTATION] === rollout;
const isReady = (pod) => (pod.status.conditions || []).some((c) => c.type === "Ready" && c.status === "True");

/** The last line a container wrote before it ended (its previous instance when it restarted). */
function lastLogLine(pod, container) {
    for (const previous of [true, false]) {
        try {
            const args = ["logs", pod, "-c", container, "--tail=1", ...(previous ? ["--previous"] : [])];
            const line = kubectl(args).trim();
            if (line) return line;
        } catch {
            // No previous instance, or the kubelet has no log yet.
        }
    }
    return undefined;
}

/** The newest Warning event of a pod (a failing readiness probe says why here), if any. */
function lastWarning(pod) {
    try {
        const out = kubectl([
            "get",
            "events",
            "--field-selector",
            `involvedObject.name=${pod},type=Warning`,
            "-o",
            "json",
        ]);
        const events = JSON.parse(out).items.sort((a, b) =>
            String(a.lastTimestamp || a.eventTime || "").localeCompare(String(b.lastTimestamp || b.eventTime || "")),
        );
        const last = events[events.length - 1];
        return last ? `${last.reason}: ${last.message.trim()}` : undefined;
    } catch {
        return undefined;
    }
}

/** Why one pod is not Ready, in one line; `conclusive` when waiting longer cannot help. */
function diagnose(pod) {
    const name = pod.metadata.name;
    if (pod.status.phase === "Failed") {
        return { conclusive: true, text: `pod ${name} failed: ${pod.status.reason || ""} ${pod.status.message || ""}` };
    }
    const scheduled = (pod.status.conditions || []).find((c) => c.type === "PodScheduled");
    if (scheduled && scheduled.status !== "True") {
        return { conclusive: false, text: `pod ${name} is not scheduled: ${scheduled.message || scheduled.reason}` };
    }
    for (const c of pod.status.containerStatuses || []) {
        const waiting = c.state && c.state.waiting;
        const terminated = c.lastState && c.lastState.terminated;
        if (waiting) {
            const parts = [`pod ${name}: container ${c.name} is waiting (${waiting.reason})`];
            if (terminated) {
                parts.push(`its last run exited with code ${terminated.exitCode} (${terminated.reason})`);
                parts.push(`after ${c.restartCount} restart(s)`);
                const line = lastLogLine(name, c.name);
                if (line) parts.push(`last log line: ${line}`);
            } else if (waiting.message) {
                parts.push(waiting.message);
            }
            // ContainerCreating says nothing of why: the pod's events do (a sandbox that cannot be created, a
            // volume that cannot be mounted, an image that cannot be pulled).
            const warning = lastWarning(name);
            if (warning) parts.push(`last event: ${warning}`);
            return { conclusive: CONCLUSIVE.includes(waiting.reason), text: parts.join("; ") };
        }
        if (!c.ready) {
            const warning = lastWarning(name);
            return {
                conclusive: false,
                text: `pod ${name}: container ${c.name} is running but not Ready${warning ? ` (${warning})` : ""}`,
            };
        }
    }
    const warning = lastWarning(name);
    return {
        conclusive: false,
        text: `pod ${name} is ${pod.status.phase}, not Ready${warning ? ` (${warning})` : ""}`,
    };
}

/**
 * Whether Helm has already failed this rollout: a revision made since the watch started that Helm marks failed (its
 * description is Helm's error, e.g. a kind the cluster does not serve), or a release seen since then that is gone
 * (atomic uninstalled a failed first install). Waiting for pods then cannot help.
 */
const startedAt = Date.now();
let releaseSeen = false;
function helmFailure() {
    const context = process.env.KUBE_CONTEXT ? ["--kube-context", process.env.KUBE_CONTEXT] : [];
    let history;
    try {
        const out = execFileSync(
            "helm",
            ["history", release, "-n", namespace, ...context, "--max", "5", "-o", "json"],
            {
                encoding: "utf8",
                timeout: 20_000,
                stdio: ["ignore", "pipe", "pipe"],
            },
        );
        history = JSON.parse(out);
    } catch (e) {
        const text = String(e.stderr || e.message || e);
        if (releaseSeen && /not found/i.test(text)) {
            return "Helm removed the release: its install failed and atomic uninstalled it";
        }
        return undefined;
    }
    // Helm's clock and ours are the same machine's or close: allow a few seconds of skew.
    const recent = history.filter((r) => Date.parse(r.updated) >= startedAt - 5000);
    if (recent.length > 0) releaseSeen = true;
    // Helm's own timeout says less than the pods do: the watch's deadline (the same helm.timeoutSeconds) names them.
    const failed = recent.find(
        (r) => r.status === "failed" && !/deadline exceeded|timed out/i.test(String(r.description || "")),
    );
    return failed ? `Helm failed revision ${failed.revision}: ${String(failed.description || "").trim()}` : undefined;
}

/** One look at the rollout: { done } when every wanted pod is Ready, or what is missing. */
function look() {
    const deployments = list("deployments").filter((d) => ofRollout(d.spec.template.metadata.annotations));
    if (deployments.length === 0) {
        return { text: `no Deployment of release ${release} carries rollout ${rollout} yet` };
    }
    const wanted = deployments.reduce((n, d) => n + (d.spec.replicas ?? 1), 0);
    const pods = list("pods").filter((p) => ofRollout(p.metadata.annotations) && !p.metadata.deletionTimestamp);
    const ready = pods.filter(isReady);
    if (ready.length >= wanted) {
        return { done: true, text: `${ready.length} pod(s) Ready: ${ready.map((p) => p.metadata.name).join(", ")}` };
    }
    const problems = pods.filter((p) => !isReady(p)).map(diagnose);
    const conclusive = problems.find((p) => p.conclusive);
    if (conclusive) {
        return { conclusive: true, seen: true, text: conclusive.text };
    }
    const missing = wanted - pods.length > 0 ? [`${wanted - pods.length} of ${wanted} pod(s) not created yet`] : [];
    const text = [...problems.map((p) => p.text), ...missing].join("; ") || `${ready.length} of ${wanted} Ready`;
    return { seen: true, text };
}

async function main() {
    const deadline = Date.now() + timeoutSeconds * 1000;
    let last = "nothing seen yet";
    // What the rollout's pods looked like last: Helm's atomic rollback may take them away just before the deadline,
    // and the reason is theirs, not "no Deployment carries the rollout".
    let lastSeen;
    for (;;) {
        try {
            const state = look();
            last = state.seen || !lastSeen ? state.text : `${lastSeen}; then the rollout went away (rolled back)`;
            if (state.seen) lastSeen = state.text;
            if (state.done) {
                console.log(`release ${namespace}/${release}, rollout ${rollout}: ${state.text}`);
                return;
            }
            if (state.conclusive) {
                fail(`release ${namespace}/${release} will not become Ready: ${state.text}`);
            }
            const helmFailed = helmFailure();
            if (helmFailed) {
                fail(`release ${namespace}/${release}: ${helmFailed}; the pods: ${last}`);
            }
        } catch (e) {
            last = `cannot read the release's pods: ${(e.stderr || e.message || String(e)).trim()}`;
        }
        if (Date.now() >= deadline) {
            fail(`release ${namespace}/${release} not Ready within ${timeoutSeconds}s (helm.timeoutSeconds): ${last}`);
        }
        await new Promise((r) => setTimeout(r, intervalMs));
    }
}

main();
