package io.cutflow.worker.inference;

import java.nio.file.Path;
import java.util.List;

/**
 * A tiny {@code sam} pair for tests ({@link TinyOnnx}): an encoder whose embedding is the canvas
 * itself, and a decoder whose second mask depends on the prompt.
 */
public final class TinySam {
  private TinySam() {}

  /** The identity encoder: embedding = the 684×1024×3 canvas. */
  public static Path encoder(Path file) {
    return new TinyOnnx()
        .input("input_image", 684, 1024, 3)
        .output("image_embeddings", 684, 1024, 3)
        .node("Identity", List.of("input_image"), List.of("image_embeddings"))
        .write(file);
  }

  /**
   * masks = [red − 128, green − max(x of the points on the canvas)/4], shaped [1, 2, 684, 1024];
   * one prompt point plus rembg's padding point (0, 0).
   */
  public static Path promptedDecoder(Path file) {
    return new TinyOnnx()
        .input("image_embeddings", 684, 1024, 3)
        .input("point_coords", 1, 2, 2)
        .input("point_labels", 1, 2)
        .input("mask_input", 1, 1, 256, 256)
        .input("has_mask_input", 1)
        .input("orig_im_size", 2)
        .output("masks", 1, 2, 684, 1024)
        .output("iou_predictions", 1, 2)
        .output("low_res_masks", 1, 2, 2)
        .constant("rg", new float[] {1, 0, 0, 1, 0, 0}, 3, 2)
        .constant("xOnly", new float[] {1, 0}, 2, 1)
        .constant("quarter", new float[] {0.25f}, 1)
        .constant("second", new float[] {0, 1}, 1, 2)
        .constant("redOffset", new float[] {128, 0}, 2)
        .constant("zero", new float[] {0}, 1, 1, 1, 1)
        .node("MatMul", List.of("point_coords", "xOnly"), List.of("xs"))
        .node("ReduceMax", List.of("xs"), List.of("maxX"), "axes", new long[] {1}, "keepdims", 1L)
        .node("Mul", List.of("maxX", "quarter"), List.of("c"))
        .node("MatMul", List.of("c", "second"), List.of("c2"))
        .node("Add", List.of("c2", "redOffset"), List.of("offsets12"))
        .node("Transpose", List.of("offsets12"), List.of("offsets"), "perm", new long[] {2, 0, 1})
        .node("MatMul", List.of("image_embeddings", "rg"), List.of("hw2"))
        .node("Transpose", List.of("hw2"), List.of("chw"), "perm", new long[] {2, 0, 1})
        .node("Sub", List.of("chw", "offsets"), List.of("d"))
        .node("Add", List.of("d", "zero"), List.of("masks"))
        .node("Identity", List.of("point_labels"), List.of("iou_predictions"))
        .node("Identity", List.of("point_coords"), List.of("low_res_masks"))
        .write(file);
  }

  /** Both files in {@code dir}, loaded as a sam session of one thread. */
  public static InferenceSession session(Path dir) throws Exception {
    ModelProfile profile =
        RemoverFactory.profileOf(io.cutflow.worker.model.ModelManifest.loadDefault().get("sam"));
    return InferenceSession.sam(
        encoder(dir.resolve("encoder.onnx")),
        promptedDecoder(dir.resolve("decoder.onnx")),
        profile,
        new InferenceSession.Settings(1, false));
  }
}
