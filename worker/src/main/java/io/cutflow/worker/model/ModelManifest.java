package io.cutflow.worker.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The model manifest ({@code models/models.json}): every model Cutflow knows and which one is the
 * default. Ships inside the worker jar as the classpath resource {@value #RESOURCE}.
 */
public final class ModelManifest {

  /** Classpath location of the bundled manifest. */
  public static final String RESOURCE = "/io/cutflow/worker/model/models.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, ModelSpec> models;
  private final String defaultName;
  private final String origin;

  public ModelManifest(List<ModelSpec> models, String defaultName, String origin) {
    this.origin = origin == null ? "manifest" : origin;
    Map<String, ModelSpec> byName = new LinkedHashMap<>();
    Map<String, String> byFile = new LinkedHashMap<>();
    for (ModelSpec m : models) {
      if (m.family() == ModelSpec.Family.SAM && m.parts().isEmpty()) {
        throw new IllegalArgumentException(
            this.origin
                + ": model '"
                + m.name()
                + "': family sam needs \"parts\": "
                + ModelSpec.SAM_PARTS
                + ", one file entry each");
      }
      if (byName.putIfAbsent(m.name(), m) != null) {
        throw new IllegalArgumentException(
            this.origin + ": duplicate model name '" + m.name() + "'");
      }
      for (ModelSpec f : m.files()) {
        String other = byFile.putIfAbsent(f.file(), f.name());
        if (other != null) {
          throw new IllegalArgumentException(
              this.origin
                  + ": models '"
                  + other
                  + "' and '"
                  + f.name()
                  + "' share the cache file "
                  + f.file());
        }
      }
    }
    if (byName.isEmpty()) {
      throw new IllegalArgumentException(this.origin + ": no models");
    }
    if (defaultName == null || !byName.containsKey(defaultName)) {
      throw new IllegalArgumentException(
          this.origin + ": default model '" + defaultName + "' is not one of " + byName.keySet());
    }
    this.models = Collections.unmodifiableMap(byName);
    this.defaultName = defaultName;
  }

  /** The manifest bundled in the jar. */
  public static ModelManifest loadDefault() {
    try (InputStream in = ModelManifest.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(
            "model manifest " + RESOURCE + " is missing from the classpath");
      }
      return parse(in, "classpath:" + RESOURCE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  /** A manifest file on disk. */
  public static ModelManifest load(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return parse(in, file.toString());
    }
  }

  /**
   * Parses and validates a manifest.
   *
   * @throws IllegalArgumentException naming the model and field when the manifest is invalid
   */
  public static ModelManifest parse(InputStream in, String origin) throws IOException {
    JsonNode root = JSON.readTree(in);
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(origin + ": expected a JSON object");
    }
    JsonNode arr = root.path("models");
    if (!arr.isArray()) {
      throw new IllegalArgumentException(origin + ": \"models\" must be an array");
    }
    List<ModelSpec> specs = new ArrayList<>();
    int i = 0;
    for (JsonNode n : arr) {
      String where = origin + ": models[" + i++ + "]";
      String name = n.path("name").asText(null);
      if (name != null) {
        where = origin + ": model '" + name + "'";
      }
      try {
        specs.add(parseModel(n));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
    }
    return new ModelManifest(specs, root.path("default").asText(null), origin);
  }

  private static ModelSpec parseModel(JsonNode n) {
    String name = requiredText(n, "name");
    if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      throw new IllegalArgumentException("name must be letters, digits, '.', '_' or '-': " + name);
    }
    JsonNode input = n.path("input");
    ModelSpec.InputSize inputSize =
        new ModelSpec.InputSize(
            requiredInt(input, "input.width", "width"),
            requiredInt(input, "input.height", "height"));
    JsonNode norm = n.path("normalization");
    ModelSpec.Normalization normalization =
        new ModelSpec.Normalization(
            triple(norm.path("mean"), "normalization.mean"),
            triple(norm.path("std"), "normalization.std"));
    int output = n.path("output").isMissingNode() ? 0 : n.path("output").asInt(-1);
    if (output < 0) {
      throw new IllegalArgumentException("output must be a non-negative output index");
    }
    String activation = n.path("activation").asText("none");
    JsonNode nonCommercial = n.path("non_commercial");
    if (!nonCommercial.isMissingNode() && !nonCommercial.isBoolean()) {
      throw new IllegalArgumentException("non_commercial must be true or false");
    }
    JsonNode masks = n.path("masks");
    if (!masks.isMissingNode() && !masks.isIntegralNumber()) {
      throw new IllegalArgumentException("masks must be an integer");
    }
    ModelSpec.Family family = ModelSpec.Family.parse(requiredText(n, "family"));
    String description = optionalText(n, "description");
    String licence = optionalText(n, "licence");
    // a one-file model and each part of a model of several files differ only in name, file and
    // masks
    FileSpec fileSpec =
        (specName, f, specMasks) ->
            new ModelSpec(
                specName,
                description,
                family,
                f.file,
                f.size,
                f.sha256,
                f.md5,
                f.sources,
                inputSize,
                normalization,
                output,
                ModelSpec.Activation.parse(activation),
                licence,
                nonCommercial.asBoolean(false),
                specMasks,
                List.of(),
                f.sha256Setting);
    JsonNode partsNode = n.path("parts");
    if (!partsNode.isMissingNode()) {
      // a model of several files: each part is a file entry of its own, named <model>.<role>
      if (!partsNode.isObject() || partsNode.isEmpty()) {
        throw new IllegalArgumentException("parts must be an object of role: file entry");
      }
      for (String field : List.of("file", "sources", "sha256", "md5", "size")) {
        if (n.has(field)) {
          throw new IllegalArgumentException(
              "\"" + field + "\" belongs in each of \"parts\", not in a model made of parts");
        }
      }
      List<ModelSpec> parts = new ArrayList<>();
      for (var it = partsNode.fields(); it.hasNext(); ) {
        var e = it.next();
        FileEntry f;
        try {
          f = fileEntry(e.getValue());
        } catch (RuntimeException ex) {
          throw new IllegalArgumentException("parts." + e.getKey() + ": " + ex.getMessage(), ex);
        }
        parts.add(fileSpec.of(name + "." + e.getKey(), f, 1));
      }
      return new ModelSpec(
          name,
          description,
          family,
          null,
          null,
          null,
          null,
          List.of(),
          inputSize,
          normalization,
          output,
          ModelSpec.Activation.parse(activation),
          licence,
          nonCommercial.asBoolean(false),
          masks.asInt(1),
          parts,
          null);
    }
    return fileSpec.of(name, fileEntry(n), masks.asInt(1));
  }

  /** A spec of one file, with everything but the file shared by the model's entry. */
  private interface FileSpec {
    ModelSpec of(String name, FileEntry file, int masks);
  }

  /** What one file needs: name in the cache, size, checksum (or the setting giving it), sources. */
  private record FileEntry(
      String file,
      Long size,
      String sha256,
      String md5,
      String sha256Setting,
      List<ModelSource> sources) {}

  private static FileEntry fileEntry(JsonNode n) {
    String file = requiredText(n, "file");
    if (file.contains("/") || file.contains("\\") || file.startsWith(".")) {
      throw new IllegalArgumentException("file must be a plain file name: " + file);
    }
    Long size = null;
    JsonNode sizeNode = n.path("size");
    if (!sizeNode.isMissingNode() && !sizeNode.isNull()) {
      if (!sizeNode.canConvertToLong() || !sizeNode.isIntegralNumber() || sizeNode.asLong() <= 0) {
        throw new IllegalArgumentException("size must be a positive integer or null");
      }
      size = sizeNode.asLong();
    }
    String sha256 = optionalText(n, "sha256");
    String md5 = optionalText(n, "md5");
    String sha256Setting = optionalText(n, "sha256_setting");
    if (sha256 != null
        && !Checksum.Algorithm.SHA256.looksValid(sha256.toLowerCase(java.util.Locale.ROOT))) {
      throw new IllegalArgumentException("sha256 must be 64 hex digits: " + sha256);
    }
    if (md5 != null && !Checksum.Algorithm.MD5.looksValid(md5.toLowerCase(java.util.Locale.ROOT))) {
      throw new IllegalArgumentException("md5 must be 32 hex digits: " + md5);
    }
    if (sha256 == null && md5 == null && sha256Setting == null) {
      throw new IllegalArgumentException(
          "needs a sha256, an md5, or the sha256_setting an operator fills");
    }
    List<ModelSource> sources = new ArrayList<>();
    JsonNode srcs = n.path("sources");
    if (!srcs.isArray() || srcs.isEmpty()) {
      throw new IllegalArgumentException("needs at least one source");
    }
    for (JsonNode s : srcs) {
      sources.add(parseSource(s));
    }
    return new FileEntry(file, size, sha256, md5, sha256Setting, sources);
  }

  /**
   * This manifest with the SHA-256 of each file that names a {@code sha256_setting} taken from
   * {@code settings} (setting name to value; empty when unset). A file whose setting is unset keeps
   * no checksum, and the registry refuses it naming the setting.
   */
  public ModelManifest withChecksumSettings(Function<String, Optional<String>> settings) {
    List<ModelSpec> bound = new ArrayList<>();
    for (ModelSpec m : models.values()) {
      if (m.parts().isEmpty()) {
        bound.add(bind(m, settings));
      } else {
        bound.add(m.withParts(m.parts().stream().map(p -> bind(p, settings)).toList()));
      }
    }
    return new ModelManifest(bound, defaultName, origin);
  }

  private static ModelSpec bind(ModelSpec f, Function<String, Optional<String>> settings) {
    if (f.sha256Setting() == null || f.sha256() != null) {
      return f;
    }
    return settings.apply(f.sha256Setting()).map(f::withSha256).orElse(f);
  }

  private static ModelSource parseSource(JsonNode s) {
    String type = requiredText(s, "type");
    return switch (type) {
      case "url" -> new ModelSource.UrlSource(URI.create(requiredText(s, "url")));
      case "npm" ->
          new ModelSource.NpmSource(
              requiredText(s, "package"), requiredText(s, "version"), requiredText(s, "resource"));
      default ->
          throw new IllegalArgumentException(
              "unknown source type '" + type + "' (expected url or npm)");
    };
  }

  private static double[] triple(JsonNode arr, String field) {
    if (!arr.isArray() || arr.size() != 3) {
      throw new IllegalArgumentException(field + " must be an array of 3 numbers");
    }
    double[] v = new double[3];
    for (int i = 0; i < 3; i++) {
      if (!arr.get(i).isNumber()) {
        throw new IllegalArgumentException(field + " must be an array of 3 numbers");
      }
      v[i] = arr.get(i).asDouble();
    }
    return v;
  }

  private static int requiredInt(JsonNode n, String label, String field) {
    JsonNode v = n.path(field);
    if (!v.isIntegralNumber()) {
      throw new IllegalArgumentException(label + " must be an integer");
    }
    return v.asInt();
  }

  private static String requiredText(JsonNode n, String field) {
    String v = optionalText(n, field);
    if (v == null) {
      throw new IllegalArgumentException("missing \"" + field + "\"");
    }
    return v;
  }

  private static String optionalText(JsonNode n, String field) {
    JsonNode v = n.path(field);
    if (v.isMissingNode() || v.isNull()) {
      return null;
    }
    if (!v.isTextual() || v.asText().isBlank()) {
      throw new IllegalArgumentException("\"" + field + "\" must be a non-empty string");
    }
    return v.asText();
  }

  /** All models, in manifest order. */
  public List<ModelSpec> models() {
    return List.copyOf(models.values());
  }

  public List<String> names() {
    return List.copyOf(models.keySet());
  }

  public String defaultName() {
    return defaultName;
  }

  public ModelSpec defaultModel() {
    return models.get(defaultName);
  }

  public Optional<ModelSpec> find(String name) {
    return Optional.ofNullable(models.get(name));
  }

  /**
   * @throws UnknownModelException naming the known models
   */
  public ModelSpec get(String name) {
    ModelSpec m = models.get(name);
    if (m == null) {
      throw new UnknownModelException(name, names());
    }
    return m;
  }

  /** Where this manifest was read from. */
  public String origin() {
    return origin;
  }
}
