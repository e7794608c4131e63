package io.cutflow.standalone.deploy;

import io.cutflow.common.config.CutflowConfig;
import io.cutflow.common.config.KafkaConfig;
import io.cutflow.ingest.IngestConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** ops/k8s/ (Kustomize) against the code: settings, commands, probes, scaling. */
final class KubernetesCheck {
  /**
   * Names of the worker JVMs' container ports: what the README's scrape job for them keeps
   * (annotations name one port per pod, taken by the supervisor's).
   */
  static final String WORKER_PORT_NAME = "worker-[0-9]+";

  private final StackFiles out;
  private final Duration drain;
  private final List<Map<String, Object>> objects = new ArrayList<>();
  private final Map<String, CutflowConfig> deployments = new LinkedHashMap<>();

  KubernetesCheck(StackFiles out, Duration drain) {
    this.out = out;
    this.drain = drain;
  }

  @SuppressWarnings("unchecked")
  void check(Path dir) {
    Map<String, Object> kustomization =
        StackFiles.yaml(StackFiles.read(dir.resolve("kustomization.yaml")));
    for (String resource : StackFiles.stringList(kustomization.get("resources"))) {
      if (!Files.isRegularFile(dir.resolve(resource))) {
        out.problem("ops/k8s/kustomization.yaml", "resource " + resource + " does not exist");
      } else {
        objects.addAll(StackFiles.yamlAll(dir.resolve(resource)));
      }
    }
    Map<String, String> configMap = data("ConfigMap", "data");
    Map<String, String> secret = data("Secret", "stringData");
    out.settings("ops/k8s ConfigMap", configMap);
    out.settings("ops/k8s Secret", secret);
    for (Map<String, Object> d : kind("Deployment")) {
      deployment(d, configMap, secret);
    }
    for (Map<String, Object> pdb : kind("PodDisruptionBudget")) {
      Map<String, Object> labels = at(pdb, "spec", "selector", "matchLabels");
      boolean matches =
          kind("Deployment").stream()
              .anyMatch(d -> labels.equals(at(d, "spec", "selector", "matchLabels")));
      if (!matches) {
        out.problem("ops/k8s PodDisruptionBudget " + name(pdb), "selects no Deployment's pods");
      }
    }
    scaledObjects();
  }

  @SuppressWarnings("unchecked")
  private void deployment(
      Map<String, Object> d, Map<String, String> configMap, Map<String, String> secret) {
    String where = "ops/k8s Deployment " + name(d);
    Map<String, Object> pod = at(d, "spec", "template");
    Map<String, Object> podSpec = (Map<String, Object>) pod.get("spec");
    Map<String, Object> container = ((List<Map<String, Object>>) podSpec.get("containers")).get(0);
    List<String> args = StackFiles.stringList(container.get("args"));
    out.command(where + " args", args);
    Map<String, String> env = new LinkedHashMap<>();
    for (Object ref : (List<Object>) container.getOrDefault("envFrom", List.of())) {
      Map<String, Object> r = (Map<String, Object>) ref;
      env.putAll(
          r.containsKey("configMapRef")
              ? configMap
              : r.containsKey("secretRef") ? secret : Map.of());
    }
    boolean podIp = false;
    for (Object o : (List<Object>) container.getOrDefault("env", List.of())) {
      Map<String, Object> e = (Map<String, Object>) o;
      if (e.get("value") != null) {
        env.put(String.valueOf(e.get("name")), String.valueOf(e.get("value")));
      }
      podIp |=
          "POD_IP".equals(e.get("name"))
              && String.valueOf(e.get("valueFrom")).contains("status.podIP");
    }
    CutflowConfig c = out.settings(where + " env", env);
    deployments.put(name(d), c);
    if (c == null || args == null) {
      return;
    }
    out.namesAreDefaults(where, c);
    int port = StackFiles.probePort(args.get(0), c);
    Map<String, Object> ports = new LinkedHashMap<>();
    for (Object o : (List<Object>) container.getOrDefault("ports", List.of())) {
      Map<String, Object> p = (Map<String, Object>) o;
      ports.put(String.valueOf(p.get("name")), p.get("containerPort"));
    }
    out.workerPortsFixed(where + " env", args, c);
    for (int workerPort : StackFiles.workerPorts(args, c)) {
      boolean named =
          ports.entrySet().stream()
              .anyMatch(
                  e ->
                      e.getKey().matches(WORKER_PORT_NAME)
                          && String.valueOf(workerPort).equals(String.valueOf(e.getValue())));
      if (!named) {
        out.problem(
            where,
            "worker JVM port "
                + workerPort
                + " is not a container port named like "
                + WORKER_PORT_NAME
                + " (what the worker scrape job keeps)");
      }
    }
    probe(where + " readinessProbe", container.get("readinessProbe"), "/readyz", port, ports);
    probe(where + " livenessProbe", container.get("livenessProbe"), "/healthz", port, ports);
    Map<String, Object> annotations = at(pod, "metadata", "annotations");
    out.equal(where, "prometheus.io/port", port, annotations.get("prometheus.io/port"));
    out.equal(where, "prometheus.io/path", "/metrics", annotations.get("prometheus.io/path"));
    if (container.get("resources") == null) {
      out.problem(where, "no resources");
    }
    if ("ingest-server".equals(args.get(0))) {
      out.equal(where, "replicas", 2, at(d, "spec").get("replicas"));
      out.equal(
          where,
          IngestConfig.ADVERTISED_URL.name(),
          "http://$(POD_IP):" + port,
          env.get(IngestConfig.ADVERTISED_URL.envName()));
      if (!podIp) {
        out.problem(where, "POD_IP does not come from the downward API (status.podIP)");
      }
    }
    if ("worker".equals(args.get(0))) {
      Object grace = podSpec.get("terminationGracePeriodSeconds");
      if (!(grace instanceof Integer g) || g < drain.toSeconds()) {
        out.problem(
            where, "terminationGracePeriodSeconds " + grace + " is under the drain time " + drain);
      }
      if (at(container, "lifecycle", "preStop").isEmpty()) {
        out.problem(where, "no preStop");
      }
    }
  }

  @SuppressWarnings("unchecked")
  private void probe(String where, Object probe, String path, int port, Map<String, Object> ports) {
    Map<String, Object> http =
        probe instanceof Map<?, ?> p ? (Map<String, Object>) p.get("httpGet") : null;
    if (http == null) {
      out.problem(where, "missing (httpGet " + path + ")");
      return;
    }
    out.equal(where, "path", path, http.get("path"));
    Object p = http.get("port");
    out.equal(where, "port", port, ports.getOrDefault(String.valueOf(p), p));
  }

  @SuppressWarnings("unchecked")
  private void scaledObjects() {
    for (Map<String, Object> so : kind("ScaledObject")) {
      String where = "ops/k8s ScaledObject " + name(so);
      String target = String.valueOf(at(so, "spec", "scaleTargetRef").get("name"));
      CutflowConfig worker = deployments.get(target);
      if (worker == null) {
        out.problem(where, "scales " + target + ", which is not a Deployment here");
        continue;
      }
      out.equal(
          where,
          "maxReplicaCount (= partitions)",
          worker.getInt(KafkaConfig.PARTITIONS),
          at(so, "spec").get("maxReplicaCount"));
      for (Object t : (List<Object>) at(so, "spec").get("triggers")) {
        Map<String, Object> trigger = (Map<String, Object>) t;
        Map<String, String> m = StackFiles.strings(trigger.get("metadata"));
        out.equal(where, "trigger type", "kafka", trigger.get("type"));
        out.equal(
            where, "consumerGroup", worker.getString(KafkaConfig.GROUP_ID), m.get("consumerGroup"));
        out.equal(where, "topic", worker.getString(KafkaConfig.TOPIC_JOBS), m.get("topic"));
        out.equal(
            where,
            "bootstrapServers",
            worker.getString(KafkaConfig.BOOTSTRAP_SERVERS),
            m.get("bootstrapServers"));
      }
    }
  }

  private List<Map<String, Object>> kind(String kind) {
    return objects.stream().filter(o -> kind.equals(o.get("kind"))).toList();
  }

  private Map<String, String> data(String kind, String field) {
    Map<String, String> all = new LinkedHashMap<>();
    kind(kind).forEach(o -> all.putAll(StackFiles.strings(o.get(field))));
    return all;
  }

  private static String name(Map<String, Object> o) {
    return String.valueOf(at(o, "metadata").get("name"));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> at(Map<String, Object> root, String... path) {
    Object o = root;
    for (String p : path) {
      o = o instanceof Map<?, ?> m ? m.get(p) : null;
    }
    return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }
}
