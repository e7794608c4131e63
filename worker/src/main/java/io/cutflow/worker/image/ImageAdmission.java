package io.cutflow.worker.image;

/**
 * Decides, from an image's header and what its cutout will need, whether and when it may be
 * decoded. {@link MemoryBudget} is the policy; the interface lets a caller wrap it.
 */
@FunctionalInterface
public interface ImageAdmission {
  /**
   * A lease of {@code bytes} of heap for the image {@code header} describes; close it when the
   * image's buffers are gone.
   *
   * @throws InvalidImageException the image can never be admitted ({@code image_too_large})
   * @throws InterruptedException while waiting for room
   */
  MemoryBudget.Lease admit(String input, ImageHeader header, long bytes)
      throws InvalidImageException, InterruptedException;
}
