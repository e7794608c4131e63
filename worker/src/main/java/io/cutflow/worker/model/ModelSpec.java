package io.cutflow.worker.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * One model Cutflow knows, as described in {@code models/models.json}.
 *
 * @param name unique model name (what users type, e.g. {@code isnet-general-use-fp16})
 * @param description one line for humans
 * @param family network family (selects pre/post-processing)
 * @param file file name inside the model cache directory
 * @param size expected size in bytes, or {@code null} when unknown
 * @param sha256 expected SHA-256 (lower-case hex), or {@code null}
 * @param md5 expected MD5 (lower-case hex; what rembg publishes), or {@code null}
 * @param sources where to fetch it from, in the order to try
 * @param input network input size
 * @param normalization per-channel mean/std applied after scaling pixels to 0..1
 * @param output index of the ONNX output holding the mask
 * @param activation activation to apply to that output before min-max normalisation
 * @param licence licence note
 * @param nonCommercial the weights' licence forbids commercial use ({@code models list} says so,
 *     and loading the model logs a warning once per process)
 * @param masks how many masks one run gives: 1 for a saliency map; more for a segmentation into
 *     classes ({@code u2net_cloth_seg}: 3, upper/lower/full), whose cutouts are stacked vertically
 *     when no single class is asked for, so a job holds that many cutouts (see {@code
 *     CutoutMemory})
 * @param parts the files of a model made of several ({@code sam}: {@code encoder}, {@code
 *     decoder}), each a one-file spec named {@code <name>.<role>} that is fetched and verified on
 *     its own; empty for a one-file model. A model with parts has no {@code file}, {@code sources}
 *     or checksum of its own.
 * @param sha256Setting the setting that gives this file's SHA-256 when its publisher gives none
 *     (rembg's sam files): without it the file is never fetched nor loaded; null otherwise
 */
public record ModelSpec(
    String name,
    String description,
    Family family,
    String file,
    Long size,
    String sha256,
    String md5,
    List<ModelSource> sources,
    InputSize input,
    Normalization normalization,
    int output,
    Activation activation,
    String licence,
    boolean nonCommercial,
    int masks,
    List<ModelSpec> parts,
    String sha256Setting) {

  /** The roles of a {@code sam} model's files, in the order rembg loads them. */
  public static final List<String> SAM_PARTS = List.of("encoder", "decoder");

  public ModelSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(family, "family");
    parts = parts == null ? List.of() : List.copyOf(parts);
    if (parts.isEmpty()) {
      Objects.requireNonNull(file, "file");
    }
    Objects.requireNonNull(input, "input");
    Objects.requireNonNull(normalization, "normalization");
    Objects.requireNonNull(activation, "activation");
    sources = List.copyOf(sources);
    sha256 = sha256 == null ? null : sha256.toLowerCase(Locale.ROOT);
    md5 = md5 == null ? null : md5.toLowerCase(Locale.ROOT);
    description = description == null ? "" : description;
    licence = licence == null ? "" : licence;
    if (masks < 1) {
      throw new IllegalArgumentException("masks must be at least 1, got " + masks);
    }
    if ((masks > 1) != (family == Family.U2NET_CLOTH_SEG)) {
      throw new IllegalArgumentException(
          "masks "
              + masks
              + " does not fit family "
              + family.id()
              + " (only u2net_cloth_seg gives several masks, 3)");
    }
    List<String> roles =
        parts.stream().map(p -> p.name().substring(p.name().lastIndexOf('.') + 1)).toList();
    // a sam model's parts are themselves specs of family sam, without parts
    if (!parts.isEmpty() && (family != Family.SAM || !roles.equals(SAM_PARTS))) {
      throw new IllegalArgumentException(
          "family "
              + family.id()
              + " with parts "
              + roles
              + " (only sam is several files: "
              + SAM_PARTS
              + ")");
    }
  }

  /** The files to fetch and verify: the parts, or the model itself. */
  public List<ModelSpec> files() {
    return parts.isEmpty() ? List.of(this) : parts;
  }

  /** The part of this model with {@code role} ({@code encoder}, {@code decoder}). */
  public ModelSpec part(String role) {
    return parts.stream()
        .filter(p -> p.name().equals(name + "." + role))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException(name + " has no " + role + " file"));
  }

  /** This spec with the SHA-256 an operator gave for it (see {@link #sha256Setting}). */
  public ModelSpec withSha256(String hex) {
    return new ModelSpec(
        name,
        description,
        family,
        file,
        size,
        hex,
        md5,
        sources,
        input,
        normalization,
        output,
        activation,
        licence,
        nonCommercial,
        masks,
        parts,
        sha256Setting);
  }

  /** This model with its parts replaced (after their checksums were filled in). */
  public ModelSpec withParts(List<ModelSpec> newParts) {
    return new ModelSpec(
        name,
        description,
        family,
        file,
        size,
        sha256,
        md5,
        sources,
        input,
        normalization,
        output,
        activation,
        licence,
        nonCommercial,
        masks,
        newParts,
        sha256Setting);
  }

  /**
   * The checksum to verify with: SHA-256 when known, else MD5; empty when the manifest gives
   * neither.
   */
  public Optional<Checksum> checksum() {
    if (sha256 != null) {
      return Optional.of(new Checksum(Checksum.Algorithm.SHA256, sha256));
    }
    if (md5 != null) {
      return Optional.of(new Checksum(Checksum.Algorithm.MD5, md5));
    }
    return Optional.empty();
  }

  /** The network family; decides the pre/post-processing code path. */
  public enum Family {
    ISNET,
    U2NET,
    BIREFNET,
    /** rembg's u2net_cloth_seg: class scores (background, upper, lower, full), argmax. */
    U2NET_CLOTH_SEG,
    /** rembg's sam: an encoder and a decoder file, cut where the job's prompt points. */
    SAM;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Family parse(String s) {
      for (Family f : values()) {
        if (f.id().equals(s)) {
          return f;
        }
      }
      throw new IllegalArgumentException(
          "unknown family '"
              + s
              + "' (expected one of "
              + Arrays.stream(values()).map(Family::id).toList()
              + ")");
    }
  }

  /**
   * Activation applied to the raw output before min-max normalisation (BiRefNet needs a sigmoid).
   */
  public enum Activation {
    NONE,
    SIGMOID;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Activation parse(String s) {
      for (Activation a : values()) {
        if (a.id().equals(s)) {
          return a;
        }
      }
      throw new IllegalArgumentException(
          "unknown activation '" + s + "' (expected none or sigmoid)");
    }
  }

  /** Network input size in pixels. */
  public record InputSize(int width, int height) {
    public InputSize {
      if (width <= 0 || height <= 0) {
        throw new IllegalArgumentException("input size must be positive: " + width + "x" + height);
      }
    }

    @Override
    public String toString() {
      return width + "x" + height;
    }
  }

  /** Per-channel (R, G, B) normalisation: {@code (pixel / max - mean[c]) / std[c]}. */
  public record Normalization(double[] mean, double[] std) {
    public Normalization {
      if (mean == null || mean.length != 3 || std == null || std.length != 3) {
        throw new IllegalArgumentException("normalization needs 3 means and 3 stds");
      }
      for (double s : std) {
        if (!(s > 0)) {
          throw new IllegalArgumentException(
              "normalization std must be > 0: " + Arrays.toString(std));
        }
      }
      mean = mean.clone();
      std = std.clone();
    }

    @Override
    public double[] mean() {
      return mean.clone();
    }

    @Override
    public double[] std() {
      return std.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Normalization n
          && Arrays.equals(mean, n.mean)
          && Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }

    @Override
    public String toString() {
      return "mean=" + Arrays.toString(mean) + " std=" + Arrays.toString(std);
    }
  }
}
