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
  // onnx.proto field numbers both rewriters use
  static final int MODEL_GRAPH = 7;
  static final int GRAPH_NODE = 1;
  static final int GRAPH_INITIALIZER = 5;
  static final int GRAPH_INPUT = 11;
  static final int GRAPH_OUTPUT = 12;
  static final int GRAPH_VALUE_INFO = 13;
  static final int NODE_ATTRIBUTE = 5;
  static final int ATTR_G = 6;
  static final int ATTR_GRAPHS = 11;

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
    scan(
        msg,
        (field, wire, varint, start, offset, length) -> {
          boolean replaced =
              switch (wire) {
                case 0 -> varints.apply(field, varint, out);
                case 2 ->
                    lengths.apply(field, Arrays.copyOfRange(msg, offset, offset + length), out);
                default -> false;
              };
          if (!replaced) {
            out.write(msg, start, offset + length - start);
          }
          return true;
        });
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
    /**
     * The field spans {@code start} to {@code offset + length}; its value starts at {@code offset}
     * (a varint's is {@code varint}, its length 0). Returns false to stop the scan.
     */
    boolean visit(int field, int wire, long varint, int start, int offset, int length);
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
      // a length past the end, or one that wraps negative, would read outside or walk backwards
      if (length < 0 || length > msg.length - offset) {
        throw new IllegalArgumentException("not an ONNX model: truncated field at byte " + start);
      }
      pos[0] += length;
      if (!visitor.visit(field, wire, varint, start, offset, length)) {
        return;
      }
    }
  }

  /** Every length-delimited value of {@code field} in {@code msg}, in order (copies of them). */
  static List<byte[]> lengthFields(byte[] msg, int field) {
    return lengthValues(msg, field, Integer.MAX_VALUE);
  }

  /** The first length-delimited value of {@code field} in {@code msg}, or null. */
  static byte[] lengthField(byte[] msg, int field) {
    List<byte[]> first = lengthValues(msg, field, 1);
    return first.isEmpty() ? null : first.get(0);
  }

  /** Every value of the string {@code field} in {@code msg}, in order. */
  static List<String> stringFields(byte[] msg, int field) {
    return lengthFields(msg, field).stream().map(OnnxWire::utf8).toList();
  }

  /** The first value of the string {@code field} in {@code msg}, or null. */
  static String stringField(byte[] msg, int field) {
    byte[] v = lengthField(msg, field);
    return v == null ? null : utf8(v);
  }

  private static String utf8(byte[] v) {
    return new String(v, StandardCharsets.UTF_8);
  }

  private static List<byte[]> lengthValues(byte[] msg, int field, int most) {
    List<byte[]> found = new ArrayList<>();
    scan(
        msg,
        (f, wire, varint, start, offset, length) -> {
          if (f == field && wire == 2) {
            found.add(Arrays.copyOfRange(msg, offset, offset + length));
          }
          return found.size() < most;
        });
    return found;
  }

  /** The first varint value of {@code field} in {@code msg}, or null. */
  static Long varintField(byte[] msg, int field) {
    Long[] found = {null};
    scan(
        msg,
        (f, wire, varint, start, offset, length) -> {
          if (f == field && wire == 0) {
            found[0] = varint;
            return false;
          }
          return true;
        });
    return found[0];
  }
}
