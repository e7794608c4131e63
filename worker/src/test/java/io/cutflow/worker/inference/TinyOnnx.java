package io.cutflow.worker.inference;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes tiny ONNX models for tests, protobuf by hand with the field numbers of {@code onnx.proto}
 * (ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto), so each model family's code
 * path runs through ONNX Runtime without the real weights. Float tensors (and float16 constants);
 * shapes fixed.
 */
final class TinyOnnx {
  private static final int FLOAT = 1; // TensorProto.DataType.FLOAT
  static final int FLOAT16 = 10; // TensorProto.DataType.FLOAT16
  private static final int ATTR_INTS = 7; // AttributeProto.AttributeType.INTS
  private static final int ATTR_INT = 2; // AttributeProto.AttributeType.INT
  private static final int ATTR_GRAPH = 5; // AttributeProto.AttributeType.GRAPH

  private final List<byte[]> nodes = new ArrayList<>();
  private final List<byte[]> initializers = new ArrayList<>();
  private final List<byte[]> inputs = new ArrayList<>();
  private final List<byte[]> outputs = new ArrayList<>();

  /**
   * A 16×16 model whose output is its input times (0.5, −2, 3) per channel, written to {@code file}
   * (profile: {@code plainProfile("mul", 16, NONE)}).
   */
  static Path mulModel(Path file) {
    return new TinyOnnx()
        .input("input", 1, 3, 16, 16)
        .output("mask", 1, 3, 16, 16)
        .constant("w", new float[] {0.5f, -2f, 3f}, 1, 3, 1, 1)
        .node("Mul", List.of("input", "w"), List.of("mask"))
        .write(file);
  }

  /**
   * The profile of a square test model that takes pixels as they are (mean 0, std 1) and reads
   * output 0.
   */
  static ModelProfile plainProfile(String name, int side, ModelProfile.Activation activation) {
    return new ModelProfile(
        name, side, side, new double[] {0, 0, 0}, new double[] {1, 1, 1}, 0, activation);
  }

  /** A graph input of float type and fixed shape. */
  TinyOnnx input(String name, long... shape) {
    inputs.add(valueInfo(name, shape));
    return this;
  }

  /** A graph output of float type and fixed shape. */
  TinyOnnx output(String name, long... shape) {
    outputs.add(valueInfo(name, shape));
    return this;
  }

  /** A constant float tensor (an initializer). */
  TinyOnnx constant(String name, float[] values, long... dims) {
    initializers.add(
        message(
            out -> {
              for (long d : dims) {
                out.writeInt64(1, d); // dims
              }
              out.writeInt32(2, FLOAT); // data_type
              out.writeString(8, name); // name
              ByteString.Output raw = ByteString.newOutput();
              CodedOutputStream r = CodedOutputStream.newInstance(raw);
              for (float v : values) {
                r.writeFloatNoTag(v); // little-endian, as raw_data wants
              }
              r.flush();
              out.writeBytes(9, raw.toByteString()); // raw_data
            }));
    return this;
  }

  /** A constant float16 tensor (an initializer) of the given bit patterns. */
  TinyOnnx constantHalf(String name, short[] bits, long... dims) {
    initializers.add(
        message(
            out -> {
              for (long d : dims) {
                out.writeInt64(1, d);
              }
              out.writeInt32(2, FLOAT16);
              out.writeString(8, name);
              byte[] raw = new byte[bits.length * 2];
              for (int i = 0; i < bits.length; i++) {
                raw[2 * i] = (byte) bits[i];
                raw[2 * i + 1] = (byte) (bits[i] >> 8);
              }
              out.writeBytes(9, ByteString.copyFrom(raw));
            }));
    return this;
  }

  /**
   * A node {@code op(inputs) -> outputs} with attributes ({@code name, value}): an integer, a list
   * of them ({@code long[]}) or a sub-graph ({@code TinyOnnx}).
   */
  TinyOnnx node(String op, List<String> in, List<String> out, Object... attributes) {
    nodes.add(
        message(
            o -> {
              for (String s : in) {
                o.writeString(1, s);
              }
              for (String s : out) {
                o.writeString(2, s);
              }
              o.writeString(3, op + "_" + nodes.size());
              o.writeString(4, op);
              for (int i = 0; i < attributes.length; i += 2) {
                String name = (String) attributes[i];
                Object value = attributes[i + 1];
                o.writeBytes(
                    5,
                    ByteString.copyFrom(
                        message(
                            a -> {
                              a.writeString(1, name);
                              if (value instanceof TinyOnnx body) {
                                a.writeBytes(6, ByteString.copyFrom(body.graph())); // g
                                a.writeEnum(20, ATTR_GRAPH);
                              } else if (value instanceof long[] ints) {
                                for (long v : ints) {
                                  a.writeInt64(8, v); // ints
                                }
                                a.writeEnum(20, ATTR_INTS);
                              } else {
                                a.writeInt64(3, ((Number) value).longValue()); // i
                                a.writeEnum(20, ATTR_INT);
                              }
                            })));
              }
            }));
    return this;
  }

  /** The ModelProto (IR version 8, default-domain opset 13). */
  byte[] build() {
    byte[] graph = graph();
    return message(
        m -> {
          m.writeInt64(1, 8); // ir_version
          m.writeString(2, "cutflow-test"); // producer_name
          m.writeBytes(7, ByteString.copyFrom(graph)); // graph
          m.writeBytes(
              8,
              ByteString.copyFrom(
                  message(
                      op -> {
                        op.writeString(1, ""); // default domain
                        op.writeInt64(2, 13); // version
                      })));
        });
  }

  /** The GraphProto alone (a node's sub-graph attribute). */
  byte[] graph() {
    return message(
        g -> {
          for (byte[] n : nodes) {
            g.writeBytes(1, ByteString.copyFrom(n));
          }
          g.writeString(2, "tiny");
          for (byte[] t : initializers) {
            g.writeBytes(5, ByteString.copyFrom(t));
          }
          for (byte[] v : inputs) {
            g.writeBytes(11, ByteString.copyFrom(v));
          }
          for (byte[] v : outputs) {
            g.writeBytes(12, ByteString.copyFrom(v));
          }
        });
  }

  Path write(Path file) {
    try {
      return Files.write(file, build());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] valueInfo(String name, long... shape) {
    byte[] dims =
        message(
            s -> {
              for (long d : shape) {
                s.writeBytes(1, ByteString.copyFrom(message(dim -> dim.writeInt64(1, d))));
              }
            });
    byte[] tensorType =
        message(
            t -> {
              t.writeInt32(1, FLOAT); // elem_type
              t.writeBytes(2, ByteString.copyFrom(dims)); // shape
            });
    byte[] type = message(t -> t.writeBytes(1, ByteString.copyFrom(tensorType))); // tensor_type
    return message(
        v -> {
          v.writeString(1, name);
          v.writeBytes(2, ByteString.copyFrom(type));
        });
  }

  private interface Writer {
    void write(CodedOutputStream out) throws IOException;
  }

  private static byte[] message(Writer writer) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      writer.write(out);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
