package io.cutflow.worker.cli;

import ai.onnxruntime.OrtException;
import io.cutflow.worker.inference.BackgroundRemover;
import java.util.List;

/**
 * {@link RemoveBatch.Steps} over one {@link BackgroundRemover}: the model and the finishing are the
 * same for every command; how an input's bytes become a prepared image ({@code remove}: decode a
 * file; {@code frames}: take raw pixels) is the command's. A cutout's note (a model's remark about
 * the image) goes to {@code notes}.
 */
final class RemoverSteps
    implements RemoveBatch.Steps<BackgroundRemover.Prepared, BackgroundRemover.Inferred> {

  /** How the command prepares an input's bytes. */
  @FunctionalInterface
  interface Preparation {
    BackgroundRemover.Prepared prepare(byte[] data, String name) throws Exception;
  }

  private final BackgroundRemover remover;
  private final Preparation preparation;
  private final List<String> notes;

  RemoverSteps(BackgroundRemover remover, Preparation preparation, List<String> notes) {
    this.remover = remover;
    this.preparation = preparation;
    this.notes = notes;
  }

  @Override
  public BackgroundRemover.Prepared prepare(byte[] data, String name) throws Exception {
    return preparation.prepare(data, name);
  }

  @Override
  public BackgroundRemover.Inferred infer(BackgroundRemover.Prepared p) throws OrtException {
    return remover.infer(p);
  }

  @Override
  public byte[] finish(BackgroundRemover.Inferred inferred, String name) {
    BackgroundRemover.Cutout cutout = remover.finish(inferred);
    if (cutout.note() != null) {
      notes.add(name + ": " + cutout.note());
    }
    return cutout.png();
  }

  @Override
  public void release(BackgroundRemover.Prepared p) {
    p.memory().close();
  }
}
