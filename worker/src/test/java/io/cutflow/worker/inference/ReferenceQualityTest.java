package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cutflow.common.job.CutoutOptions;
import io.cutflow.worker.image.ImageLimits;
import io.cutflow.worker.model.ModelRegistry;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The quality bar: our cutout of the shared anime-girl-1 photo against rembg's own output with
 * isnet-general-use (fp32): IoU(alpha&gt;127) ≥ 0.98 and mean |Δalpha| ≤ 2/255, for each ISNet file
 * that can be fetched here. Needs the shared test data beside the repository (CI has it); elsewhere
 * it reports itself skipped. Over all photos, {@code cutflow quality} compares the models.
 */
public class ReferenceQualityTest {

  public static Path sharedTestdata() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("shared/testdata");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
      Path sibling = dir.resolveSibling("shared/testdata");
      if (Files.isDirectory(sibling)) {
        return sibling;
      }
    }
    return null;
  }

  @ParameterizedTest
  @ValueSource(strings = {"isnet-general-use-fp16", "isnet-general-use-int8"})
  void matchesRembgIsnetGeneralUseOnAnimeGirl1(String model) throws Exception {
    Path data = sharedTestdata();
    assumeTrue(data != null, "shared/testdata not found beside the repository");
    Path photo = data.resolve("photos/anime-girl-1.jpg");
    Path reference = data.resolve("reference/anime-girl-1.isnet-general-use.png");
    byte[] png;
    if (model.equals(SharedRemover.get().model())) {
      png =
          SharedRemover.get()
              .remover()
              .remove(Files.readAllBytes(photo), photo.toString(), CutoutOptions.DEFAULTS)
              .png();
    } else {
      try (RemoverFactory.Loaded other =
          RemoverFactory.open(
              ModelRegistry.createDefault(),
              model,
              new InferenceSession.Settings(Runtime.getRuntime().availableProcessors(), true),
              ImageLimits.defaults(),
              1)) {
        png =
            other
                .remover()
                .remove(Files.readAllBytes(photo), photo.toString(), CutoutOptions.DEFAULTS)
                .png();
      }
    }
    BufferedImage ours = ImageIO.read(new java.io.ByteArrayInputStream(png));
    BufferedImage ref = ImageIO.read(reference.toFile());
    MaskAgreement agreement =
        MaskAgreement.of(MaskAgreement.alphaOf(ours), MaskAgreement.alphaOf(ref));
    System.out.println(
        "anime-girl-1, " + model + " vs rembg isnet-general-use (fp32): " + agreement);
    assertTrue(agreement.meets(0.98, 2.0), model + ": quality bar missed: " + agreement);
  }
}
