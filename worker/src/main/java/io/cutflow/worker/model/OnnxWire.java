package io.cutflow.worker.model;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The protobuf wire format, as far as rewriting ONNX models needs it ({@link Fp16ToFp32}, {@link
 * OutputPruner}): a message is walked field by field, a rule may replace or drop a field, and
 * everything else is copied byte for byte, so no generated classes are needed.
 */
final class OnnxWire {
  private OnnxWire() {}

  /** Writes a replacement for a length-delimited field, or returns false to copy it unchanged. */
  interface LengthRule {
    boolean apply(int field, byte[] value, ByteArrayOutputStream out);
  }

  /** Writes a replacement for a varint field, or returns false to copy it unchanged. */
  interface VarintRule {
    boolean apply(int field, long value, ByteArrayOutputStream out);
  }

  static byte[] rewrite(byte[] msg, LengthRule lengths) {
    return rewrite(msg, lengths, (f, v, o) -> false);
  }

  static byte[] rewrite(byte[] msg, LengthRule lengths, VarintRule varints) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(msg.length + msg.length / 8);
    int[] pos = {0};
    while (pos[0] < msg.length) {
      int start = pos[0];
      long key = readVarint(msg, pos);
      int field = (int) (key >>> 3);
      int wire = (int) (key & 7);
      switch (wire) {
        case 0 -> {
          long v = readVarint(msg, pos);
          if (!varints.apply(field, v, out)) {
            out.write(msg, start, pos[0] - start);
          }
        }
        case 1 -> {
          pos[0] += 8;
          out.write(msg, start, pos[0] - start);
        }
        case 5 -> {
          pos[0] += 4;
          out.write(msg, start, pos[0] - start);
        }
        case 2 -> {
          int len = (int) readVarint(msg, pos);
          byte[] v = Arrays.copyOfRange(msg, pos[0], pos[0] + len);
          pos[0] += len;
          if (!lengths.apply(field, v, out)) {
            out.write(msg, start, pos[0] - start);
          }
        }
        default ->
            throw new IllegalArgumentException(
                "not an ONNX model: protobuf wire type " + wire + " at byte " + start);
      }
    }
    return out.toByteArray();
  }

  static boolean copy(ByteArrayOutputStream out, int field, byte[] value) {
    writeVarint(out, ((long) field << 3) | 2);
    writeVarint(out, value.length);
    out.write(value, 0, value.length);
    return true;
  }

  static void writeVarintField(ByteArrayOutputStream out, int field, long value) {
    writeVarint(out, (long) field << 3);
    writeVarint(out, value);
  }

  static void writeVarint(ByteArrayOutputStream out, long v) {
    while ((v & ~0x7fL) != 0) {
      out.write((int) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
  }

  static long readVarint(byte[] b, int[] pos) {
    long result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos[0] >= b.length) {
        throw new IllegalArgumentException("not an ONNX model: truncated varint");
      }
      int c = b[pos[0]++];
      result |= (long) (c & 0x7f) << shift;
      if ((c & 0x80) == 0) {
        return result;
      }
    }
    throw new IllegalArgumentException("not an ONNX model: varint too long");
  }

  /** Sees one field of a message: its number, and its value (a varint) or place (the others). */
  private interface FieldVisitor {
    /** Returns false to stop the scan. */
    boolean visit(int field, int wire, long varint, int offset, int length);
  }

  /** Walks {@code msg}'s fields without copying anything. */
  private static void scan(byte[] msg, FieldVisitor visitor) {
    int[] pos = {0};
    while (pos[0] < msg.length) {
      int start = pos[0];
      long key = readVarint(msg, pos);
      int field = (int) (key >>> 3);
      int wire = (int) (key & 7);
      long varint = 0;
      int length =
          switch (wire) {
            case 0 -> {
              varint = readVarint(msg, pos);
              yield 0;
            }
            case 1 -> 8;
            case 5 -> 4;
            case 2 -> (int) readVarint(msg, pos);
            default ->
                throw new IllegalArgumentException(
                    "not an ONNX model: protobuf wire type " + wire + " at byte " + start);
          };
      int offset = pos[0];
      pos[0] += length;
      if (pos[0] > msg.length) {
        throw new IllegalArgumentException("not an ONNX model: truncated field at byte " + start);
      }
      if (!visitor.visit(field, wire, varint, offset, length)) {
        return;
      }
    }
  }

  /** Every length-delimited value of {@code field} in {@code msg}, in order (copies of them). */
  static List<byte[]> lengthFields(byte[] msg, int field) {
    List<byte[]> found = new ArrayList<>();
    scan(
        msg,
        (f, wire, varint, offset, length) -> {
          if (f == field && wire == 2) {
            found.add(Arrays.copyOfRange(msg, offset, offset + length));
          }
          return true;
        });
    return found;
  }

  /** Every value of the string {@code field} in {@code msg}, in order. */
  static List<String> stringFields(byte[] msg, int field) {
    List<String> found = new ArrayList<>();
    scan(
        msg,
        (f, wire, varint, offset, length) -> {
          if (f == field && wire == 2) {
            found.add(new String(msg, offset, length, StandardCharsets.UTF_8));
          }
          return true;
        });
    return found;
  }

  /** The first length-delimited value of {@code field} in {@code msg}, or null. */
  static byte[] lengthField(byte[] msg, int field) {
    byte[][] found = {null};
    scan(
        msg,
        (f, wire, varint, offset, length) -> {
          if (f == field && wire == 2) {
            found[0] = Arrays.copyOfRange(msg, offset, offset + length);
            return false;
          }
          return true;
        });
    return found[0];
  }

  /** The first value of the string {@code field} in {@code msg}, or null. */
  static String stringField(byte[] msg, int field) {
    List<String> all = new ArrayList<>(1);
    scan(
        msg,
        (f, wire, varint, offset, length) -> {
          if (f == field && wire == 2) {
            all.add(new String(msg, offset, length, StandardCharsets.UTF_8));
            return false;
          }
          return true;
        });
    return all.isEmpty() ? null : all.get(0);
  }

  /** The first varint value of {@code field} in {@code msg}, or null. */
  static Long varintField(byte[] msg, int field) {
    Long[] found = {null};
    scan(
        msg,
        (f, wire, varint, offset, length) -> {
          if (f == field && wire == 0) {
            found[0] = varint;
            return false;
          }
          return true;
        });
    return found[0];
  }
}
