package io.cutflow.common.job;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.cutflow.common.job.CutoutOption.Kind;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A cutout's options (rembg's per-image options), immutable. What {@link JobRequest} carries and
 * what the worker's composer receives.
 *
 * <p>{@link #OPTIONS} is the one place an option is declared: its JSON name, rembg's CLI flags,
 * rembg's HTTP names, value kind, parser and help. The picocli mixin ({@code
 * io.cutflow.common.cli.CutoutOptionsMixin}), the HTTP reader and the JSON binding all iterate it,
 * so a value is parsed and rejected the same way everywhere, with one message. Adding an option: a
 * line in the table, an accessor below, the JSON Schema and the docs.
 */
public final class CutoutOptions {
  /**
   * The largest {@code ae}: an erosion wider than any image allowed (rembg has no bound; the
   * erosion costs the same at any size, this only keeps the number sane).
   */
  public static final int MAX_ERODE_SIZE = 65535;

  // ---------------------------------------------------------------- the table

  public static final CutoutOption MODEL =
      new CutoutOption(
          "model",
          List.of("-m", "--model"),
          List.of("model"),
          Kind.TEXT,
          "MODEL",
          "Model name (see `cutflow models list`); default: the manifest's default"
              + " (for jobs: the one the workers serve).",
          null,
          OptionParsers::parseModel);
  public static final CutoutOption ONLY_MASK =
      new CutoutOption(
          "only_mask",
          List.of("-om", "--only-mask"),
          List.of("om", "only_mask"),
          Kind.BOOLEAN,
          null,
          "Output the mask (8-bit grey) instead of the cutout.",
          false,
          OptionParsers::parseBoolean);
  public static final CutoutOption POST_PROCESS_MASK =
      new CutoutOption(
          "post_process_mask",
          List.of("-ppm", "--post-process-mask"),
          List.of("ppm", "post_process_mask"),
          Kind.BOOLEAN,
          null,
          "Clean the mask: opening, Gaussian blur, threshold (rembg -ppm).",
          false,
          OptionParsers::parseBoolean);
  public static final CutoutOption BGCOLOR =
      new CutoutOption(
          "bgcolor",
          List.of("-bgc", "--bgcolor"),
          List.of("bgc", "bgcolor"),
          Kind.COLOUR,
          "R,G,B,A",
          "Composite onto this background colour (each 0..255; (R,G,B,A) also accepted).",
          null,
          text ->
              text.isBlank()
                  ? null
                  : Arrays.stream(OptionParsers.parseColor(text)).boxed().toList());

  public static final CutoutOption CLOTH_CATEGORY =
      new CutoutOption(
          "cloth_category",
          List.of("-cc", "--cloth-category"),
          List.of("cc", "cloth_category"),
          Kind.TEXT,
          "CATEGORY",
          "u2net_cloth_seg only: upper, lower or full; without it the three cutouts come"
              + " stacked vertically (upper, lower, full), as rembg returns them.",
          null,
          OptionParsers::parseClothCategory);

  /** rembg's cloth categories, in the order {@code u2net_cloth_seg} stacks them. */
  public static final List<String> CLOTH_CATEGORIES = List.of("upper", "lower", "full");

  public static final CutoutOption ALPHA_MATTING =
      new CutoutOption(
          "alpha_matting",
          List.of("-a", "--alpha-matting"),
          List.of("a", "alpha_matting"),
          Kind.BOOLEAN,
          null,
          "Refine soft edges by closed-form alpha matting (rembg -a).",
          false,
          OptionParsers::parseBoolean);
  public static final CutoutOption ALPHA_MATTING_FOREGROUND_THRESHOLD =
      new CutoutOption(
          "alpha_matting_foreground_threshold",
          List.of("-af", "--alpha-matting-foreground-threshold"),
          List.of("af", "alpha_matting_foreground_threshold"),
          Kind.INTEGER,
          "0..255",
          "Alpha matting: mask values above this are foreground (default 240).",
          240,
          text -> OptionParsers.parseInt(text, 0, 255));
  public static final CutoutOption ALPHA_MATTING_BACKGROUND_THRESHOLD =
      new CutoutOption(
          "alpha_matting_background_threshold",
          List.of("-ab", "--alpha-matting-background-threshold"),
          List.of("ab", "alpha_matting_background_threshold"),
          Kind.INTEGER,
          "0..255",
          "Alpha matting: mask values below this are background (default 10).",
          10,
          text -> OptionParsers.parseInt(text, 0, 255));
  public static final CutoutOption ALPHA_MATTING_ERODE_SIZE =
      new CutoutOption(
          "alpha_matting_erode_size",
          List.of("-ae", "--alpha-matting-erode-size"),
          List.of("ae", "alpha_matting_erode_size"),
          Kind.INTEGER,
          "N",
          "Alpha matting: erode foreground and background by an N×N square (default 10;"
              + " 0 = a 3×3 cross, as rembg).",
          10,
          text -> OptionParsers.parseInt(text, 0, MAX_ERODE_SIZE));

  /**
   * The {@code sam} model's prompt: rembg's {@code -x/--extras} and server {@code extras} (a JSON
   * object whose {@code sam_prompt} Cutflow reads); a job's {@code options.sam_prompt} holds the
   * marks. Other models ignore it, as rembg does. See {@link SamPromptOption}.
   */
  public static final CutoutOption SAM_PROMPT =
      new CutoutOption(
          "sam_prompt",
          List.of("-x", "--extras"),
          List.of("extras"),
          Kind.JSON,
          "JSON",
          "sam only: where to cut, as rembg's extras: "
              + SamPromptOption.EXAMPLE
              + " (label 1 foreground, 0 background), or {\"type\": \"rectangle\", \"data\":"
              + " [x1, y1, x2, y2]}, in image pixels. Other models ignore it, as rembg does.",
          null,
          SamPromptOption::parseExtras);

  /** Every option, in wire order. */
  public static final List<CutoutOption> OPTIONS =
      List.of(
          MODEL,
          ONLY_MASK,
          POST_PROCESS_MASK,
          BGCOLOR,
          ALPHA_MATTING,
          ALPHA_MATTING_FOREGROUND_THRESHOLD,
          ALPHA_MATTING_BACKGROUND_THRESHOLD,
          ALPHA_MATTING_ERODE_SIZE,
          CLOTH_CATEGORY,
          SAM_PROMPT);

  /** Alpha matting's switch and its three settings. */
  public static final List<CutoutOption> ALPHA_MATTING_OPTIONS =
      List.of(
          ALPHA_MATTING,
          ALPHA_MATTING_FOREGROUND_THRESHOLD,
          ALPHA_MATTING_BACKGROUND_THRESHOLD,
          ALPHA_MATTING_ERODE_SIZE);

  /**
   * rembg server parameters Cutflow accepts over HTTP, validates, then ignores (reported in {@code
   * X-Cutflow-Ignored}); none since {@code extras} carries the sam prompt.
   */
  public static final List<CutoutOption> IGNORED_OVER_HTTP = List.of();

  /** rembg's name of the prompted model: a job for it without a prompt is invalid. */
  public static final String SAM_MODEL = "sam";

  public static final CutoutOptions DEFAULTS = new CutoutOptions(Map.of());

  // ---------------------------------------------------------------- the value

  /** Every option's value (defaults included), in {@link #OPTIONS} order. */
  private final Map<String, Object> values;

  private CutoutOptions(Map<String, Object> given) {
    Map<String, Object> all = new LinkedHashMap<>();
    for (CutoutOption o : OPTIONS) {
      all.put(o.name(), given.containsKey(o.name()) ? given.get(o.name()) : o.defaultValue());
    }
    this.values = Collections.unmodifiableMap(all);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A copy with one option changed; throws {@link InvalidOptionException} for a bad value. */
  public CutoutOptions with(CutoutOption option, Object value) {
    Builder b = new Builder();
    b.values.putAll(values);
    return b.set(option, value).build();
  }

  /** The value of {@code option} (its default when not set). */
  public Object get(CutoutOption option) {
    return values.get(option.name());
  }

  /** Model name from {@code models/models.json}; null = the worker's default. */
  public String model() {
    return (String) get(MODEL);
  }

  /** Write the mask instead of the cutout. */
  public boolean onlyMask() {
    return (Boolean) get(ONLY_MASK);
  }

  /** rembg's post_process_mask. */
  public boolean postProcessMask() {
    return (Boolean) get(POST_PROCESS_MASK);
  }

  /** {@code [r, g, b, a]}, each 0..255, or null for transparency. */
  @SuppressWarnings("unchecked")
  public List<Integer> bgcolor() {
    return (List<Integer>) get(BGCOLOR);
  }

  /** {@link #bgcolor()} as an array for the composer, or null. */
  public int[] bgcolorRgba() {
    List<Integer> bg = bgcolor();
    return bg == null ? null : bg.stream().mapToInt(Integer::intValue).toArray();
  }

  /**
   * {@code upper}, {@code lower} or {@code full} for {@code u2net_cloth_seg}; null = all three,
   * stacked. Other models ignore it.
   */
  public String clothCategory() {
    return (String) get(CLOTH_CATEGORY);
  }

  /** rembg's alpha_matting. */
  public boolean alphaMatting() {
    return (Boolean) get(ALPHA_MATTING);
  }

  /** rembg's alpha_matting_foreground_threshold: mask values above it are foreground. */
  public int alphaMattingForegroundThreshold() {
    return (Integer) get(ALPHA_MATTING_FOREGROUND_THRESHOLD);
  }

  /** rembg's alpha_matting_background_threshold: mask values below it are background. */
  public int alphaMattingBackgroundThreshold() {
    return (Integer) get(ALPHA_MATTING_BACKGROUND_THRESHOLD);
  }

  /** rembg's alpha_matting_erode_size: the side of the square both known regions are eroded by. */
  public int alphaMattingErodeSize() {
    return (Integer) get(ALPHA_MATTING_ERODE_SIZE);
  }

  /**
   * The {@code sam} model's marks ({@link SamPromptOption}: {@code type}, {@code data}, {@code
   * label}), or null.
   */
  @SuppressWarnings("unchecked")
  public List<Map<String, Object>> samPrompt() {
    return (List<Map<String, Object>>) get(SAM_PROMPT);
  }

  // ---------------------------------------------------------------- JSON

  /** Binds {@code options} of a job; unknown keys are ignored (forward compatibility). */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static CutoutOptions fromJson(Map<String, Object> json) {
    Builder b = new Builder();
    for (CutoutOption o : OPTIONS) {
      if (json != null && json.get(o.name()) != null) {
        b.set(o, json.get(o.name()));
      }
    }
    return b.build();
  }

  /**
   * The wire form: every option, nulls left out, and alpha matting's four only when one differs
   * from its default, so a job without matting is the same record it was before they existed.
   */
  @JsonValue
  public Map<String, Object> toJson() {
    boolean matting =
        ALPHA_MATTING_OPTIONS.stream().anyMatch(o -> !o.defaultValue().equals(get(o)));
    Map<String, Object> json = new LinkedHashMap<>();
    for (CutoutOption o : OPTIONS) {
      Object v = get(o);
      if (v != null && (matting || !ALPHA_MATTING_OPTIONS.contains(o))) {
        json.put(o.name(), v);
      }
    }
    return json;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CutoutOptions other && values.equals(other.values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  @Override
  public String toString() {
    return "CutoutOptions" + values;
  }

  /** Collects values; each setter names the option in its error. */
  public static final class Builder {
    private final Map<String, Object> values = new LinkedHashMap<>();

    private Builder() {}

    /** Parses {@code text} given under {@code givenName} (e.g. {@code -bgc} or {@code bgc}). */
    public Builder parse(CutoutOption option, String givenName, String text) {
      try {
        values.put(option.name(), option.parse(text));
      } catch (IllegalArgumentException e) {
        throw new InvalidOptionException(givenName, e.getMessage());
      }
      return this;
    }

    /** Sets a JSON-bound or Java value, named by the option's JSON name in errors. */
    public Builder set(CutoutOption option, Object value) {
      try {
        values.put(option.name(), option.check(value));
      } catch (IllegalArgumentException e) {
        throw new InvalidOptionException(option.name(), e.getMessage());
      }
      return this;
    }

    /**
     * @throws InvalidOptionException for model {@value #SAM_MODEL} without a prompt (rembg would
     *     cut at the image's centre; a guess Cutflow does not make for a batch)
     */
    public CutoutOptions build() {
      if (SAM_MODEL.equals(values.get(MODEL.name())) && values.get(SAM_PROMPT.name()) == null) {
        throw new InvalidOptionException(
            SAM_PROMPT.name(), SamPromptOption.missingPrompt(SAM_MODEL));
      }
      return new CutoutOptions(values);
    }
  }
}
