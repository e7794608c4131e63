package io.cutflow.worker.cli;

import java.io.IOException;
import java.io.InputStream;

/**
 * Raw RGB24 frames of one size, back to back on a stream (what {@code ffmpeg -f rawvideo -pix_fmt
 * rgb24 pipe:1} writes), read one at a time into a caller's buffer.
 */
final class FrameReader {
  private final InputStream in;
  private final int width;
  private final int height;
  private int frames;

  FrameReader(InputStream in, int width, int height) {
    this.in = in;
    this.width = width;
    this.height = height;
  }

  /** Bytes per frame: width × height × 3. */
  static long frameBytes(int width, int height) {
    return (long) width * height * 3;
  }

  /**
   * Fills {@code frame} with the next frame.
   *
   * @return false at the end of the stream, between two frames
   * @throws IOException the stream ended inside a frame (its message gives the counts and the
   *     likely cause), or could not be read
   */
  boolean next(byte[] frame) throws IOException {
    int got = in.readNBytes(frame, 0, frame.length);
    if (got == 0) {
      return false;
    }
    if (got < frame.length) {
      throw new IOException(
          "stdin ended inside frame "
              + frames
              + ": "
              + got
              + " of its "
              + frame.length
              + " bytes ("
              + width
              + "×"
              + height
              + "×3); the stream is not RGB24 frames of that size: give ffmpeg's size (-s"
              + " WIDTHxHEIGHT) and -pix_fmt rgb24 and the same WIDTH HEIGHT here");
    }
    frames++;
    return true;
  }

  /** The RGBA pixels of an RGB24 frame (alpha 255), in a new array. */
  static byte[] rgba(byte[] rgb) {
    byte[] rgba = new byte[rgb.length / 3 * 4];
    for (int i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
      rgba[j] = rgb[i];
      rgba[j + 1] = rgb[i + 1];
      rgba[j + 2] = rgb[i + 2];
      rgba[j + 3] = (byte) 0xff;
    }
    return rgba;
  }
}
