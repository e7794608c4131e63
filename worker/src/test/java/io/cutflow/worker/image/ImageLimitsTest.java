package io.cutflow.worker.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cutflow.common.config.CutflowConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A worker's and the command line's image limits come from the same two settings. */
class ImageLimitsTest {
  @Test
  void theCommandLineTakesBothSettingsAndKeepsItsOwnByteDefaultWhereNoneIsSet() {
    CutflowConfig none = CutflowConfig.isolated(Map.of());
    assertEquals(
        new ImageLimits(ImageLimits.DEFAULT_MAX_PIXELS, 64L << 20),
        ImageLimits.forWorker(none),
        "a worker keeps room for downloads");
    assertEquals(
        new ImageLimits(ImageLimits.DEFAULT_MAX_PIXELS, ImageLimits.DEFAULT_MAX_BYTES),
        ImageLimits.forCommandLine(none));
    CutflowConfig set =
        CutflowConfig.of(
            Map.of(),
            Map.of("cutflow.image.max-bytes", "1000"),
            Map.of("CUTFLOW_IMAGE_MAX_PIXELS", "80000000"));
    assertEquals(new ImageLimits(80_000_000L, 1000), ImageLimits.forCommandLine(set));
    assertEquals(new ImageLimits(80_000_000L, 1000), ImageLimits.forWorker(set));
  }
}
