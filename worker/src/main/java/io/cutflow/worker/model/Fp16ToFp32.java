package io.cutflow.worker.model;

import static io.cutflow.worker.model.OnnxWire.ATTR_G;
import static io.cutflow.worker.model.OnnxWire.ATTR_GRAPHS;
import static io.cutflow.worker.model.OnnxWire.GRAPH_INITIALIZER;
import static io.cutflow.worker.model.OnnxWire.GRAPH_INPUT;
import static io.cutflow.worker.model.OnnxWire.GRAPH_NODE;
import static io.cutflow.worker.model.OnnxWire.GRAPH_OUTPUT;
import static io.cutflow.worker.model.OnnxWire.GRAPH_VALUE_INFO;
import static io.cutflow.worker.model.OnnxWire.MODEL_GRAPH;
import static io.cutflow.worker.model.OnnxWire.NODE_ATTRIBUTE;
import static io.cutflow.worker.model.OnnxWire.copy;
import static io.cutflow.worker.model.OnnxWire.lengthField;
import static io.cutflow.worker.model.OnnxWire.readVarint;
import static io.cutflow.worker.model.OnnxWire.rewrite;
import static io.cutflow.worker.model.OnnxWire.stringField;
import static io.cutflow.worker.model.OnnxWire.varintField;
import static io.cutflow.worker.model.OnnxWire.writeVarintField;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Rewrites an ONNX model stored in float16 as the same model in float32: every float16 tensor
 * (initializers, {@code Constant} values) widened exactly, every float16 type (graph inputs,
 * outputs, value infos) made float32, and every {@code Cast} to float16 made a cast to float32
 * (which ONNX Runtime then drops as a no-op).
 *
 * <p>Why: ONNX Runtime's CPU kernels are float32, so on a float16 model it wraps every operator in
 * Casts (ISNet: 349 of them), converts all weights on every run and cannot fuse Conv with Relu. The
 * weights widen exactly; only the activations, no longer rounded to float16 between operators, are
 * (slightly) more precise. {@code FP32ModelEquivalenceTest} holds the masks to the fp16 model's.
 *
 * <p>Works on the protobuf wire format with ONNX's field numbers (onnx.proto), so it needs no
 * generated classes: what it does not rewrite is copied byte for byte. Sub-graphs of control-flow
 * nodes are rewritten too; float16 tensors stored as external data are refused.
 */
public final class Fp16ToFp32 {
  private static final int FLOAT = 1;
  private static final int FLOAT16 = 10;

  // onnx.proto field numbers
  private static final int NODE_OP_TYPE = 4;
  private static final int ATTR_NAME = 1;
  private static final int ATTR_I = 3;
  private static final int ATTR_T = 5;
  private static final int ATTR_TENSORS = 10;
  private static final int TENSOR_DATA_TYPE = 2;
  private static final int TENSOR_FLOAT_DATA = 4;
  private static final int TENSOR_INT32_DATA = 5;
  private static final int TENSOR_RAW_DATA = 9;
  private static final int TENSOR_EXTERNAL_DATA = 13;
  private static final int VALUE_INFO_TYPE = 2;
  private static final int TYPE_TENSOR = 1;
  private static final int TYPE_SEQUENCE = 4;
  private static final int TYPE_MAP = 5;
  private static final int TYPE_OPTIONAL = 9;
  private static final int SEQUENCE_ELEM = 1;
  private static final int MAP_VALUE = 2;
  private static final int TENSOR_TYPE_ELEM = 1;

  private Fp16ToFp32() {}

  /** The float32 model of {@code model} (a serialised ModelProto). */
  public static byte[] convert(byte[] model) {
    return rewrite(model, (f, v, out) -> f == MODEL_GRAPH && copy(out, f, graph(v)));
  }

  /** float16 bits to float, exactly (subnormals, infinities and NaN included). */
  static float halfToFloat(int h) {
    int sign = (h & 0x8000) << 16;
    int exp = (h >>> 10) & 0x1f;
    int mant = h & 0x3ff;
    if (exp == 0x1f) {
      return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
    }
    if (exp == 0) {
      float v = mant * 0x1p-24f; // subnormal (or zero): exact in float
      return sign != 0 ? -v : v;
    }
    return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  }

  private static byte[] graph(byte[] g) {
    return rewrite(
        g,
        (f, v, out) ->
            switch (f) {
              case GRAPH_NODE -> copy(out, f, node(v));
              case GRAPH_INITIALIZER -> copy(out, f, tensor(v));
              case GRAPH_INPUT, GRAPH_OUTPUT, GRAPH_VALUE_INFO -> copy(out, f, valueInfo(v));
              default -> false;
            });
  }

  private static byte[] node(byte[] n) {
    boolean cast = "Cast".equals(stringField(n, NODE_OP_TYPE));
    return rewrite(n, (f, v, out) -> f == NODE_ATTRIBUTE && copy(out, f, attribute(v, cast)));
  }

  private static byte[] attribute(byte[] a, boolean ofCast) {
    boolean castTo = ofCast && "to".equals(stringField(a, ATTR_NAME));
    return rewrite(
        a,
        (f, v, out) ->
            switch (f) {
              case ATTR_T, ATTR_TENSORS -> copy(out, f, tensor(v));
              case ATTR_G, ATTR_GRAPHS -> copy(out, f, graph(v));
              default -> false;
            },
        (f, value, out) -> {
          if (castTo && f == ATTR_I && value == FLOAT16) {
            writeVarintField(out, f, FLOAT);
            return true;
          }
          return false;
        });
  }

  private static byte[] tensor(byte[] t) {
    Long type = varintField(t, TENSOR_DATA_TYPE);
    if (type == null || type != FLOAT16) {
      return t;
    }
    if (lengthField(t, TENSOR_EXTERNAL_DATA) != null) {
      throw new IllegalArgumentException(
          "float16 tensor with external data: convert a model with its weights inside the file");
    }
    return rewrite(
        t,
        (f, v, out) -> {
          if (f == TENSOR_RAW_DATA) {
            ByteBuffer in = ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer wide = ByteBuffer.allocate(v.length * 2).order(ByteOrder.LITTLE_ENDIAN);
            while (in.remaining() >= 2) {
              wide.putFloat(halfToFloat(in.getShort() & 0xffff));
            }
            return copy(out, f, wide.array());
          }
          if (f == TENSOR_INT32_DATA) { // packed: float16 bits, one varint each
            ByteBuffer wide = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            int[] pos = {0};
            while (pos[0] < v.length) {
              wide.putFloat(halfToFloat((int) readVarint(v, pos)));
            }
            byte[] floats = new byte[wide.position()];
            wide.flip().get(floats);
            return copy(out, TENSOR_FLOAT_DATA, floats);
          }
          return false;
        },
        (f, value, out) -> {
          if (f == TENSOR_DATA_TYPE) {
            writeVarintField(out, f, FLOAT);
            return true;
          }
          return false;
        });
  }

  private static byte[] valueInfo(byte[] vi) {
    return rewrite(vi, (f, v, out) -> f == VALUE_INFO_TYPE && copy(out, f, type(v)));
  }

  private static byte[] type(byte[] t) {
    return rewrite(
        t,
        (f, v, out) ->
            switch (f) {
              case TYPE_TENSOR -> copy(out, f, tensorType(v));
              case TYPE_SEQUENCE, TYPE_OPTIONAL ->
                  copy(out, f, rewrite(v, (g, w, o) -> g == SEQUENCE_ELEM && copy(o, g, type(w))));
              case TYPE_MAP ->
                  copy(out, f, rewrite(v, (g, w, o) -> g == MAP_VALUE && copy(o, g, type(w))));
              default -> false;
            });
  }

  private static byte[] tensorType(byte[] t) {
    return rewrite(
        t,
        (f, v, out) -> false,
        (f, value, out) -> {
          if (f == TENSOR_TYPE_ELEM && value == FLOAT16) {
            writeVarintField(out, f, FLOAT);
            return true;
          }
          return false;
        });
  }

  /** Reads {@code in}, writes the float32 model to {@code out}. */
  public static void convert(Path in, Path out) throws IOException {
    Files.write(out, convert(Files.readAllBytes(in)));
  }
}
