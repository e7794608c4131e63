package io.cutflow.worker.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.UnknownFieldSet;
import io.cutflow.worker.model.Fp32Model;
import io.cutflow.worker.model.OutputPruner;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link OutputPruner} on a tiny two-output model ({@code m = x·a}; {@code y0 = Relu(m)}; {@code y1
 * = Sigmoid(m + b)}): each kept output computes what it did, and only its nodes and initializers
 * remain; and {@link Fp32Model} makes a one-output copy of a float32 model with several outputs.
 */
class OutputPrunerTest {
  private static final float[] X = {-2, -1, 1, 2};
  private static final float[] A = {1, 2, 3, 4};
  private static final float[] B = {0.5f, -0.5f, 1, -1};

  private static TinyOnnx twoOutputs() {
    return new TinyOnnx()
        .input("x", 1, 4)
        .output("y0", 1, 4)
        .output("y1", 1, 4)
        .constant("a", A, 1, 4)
        .constant("b", B, 1, 4)
        // stored out of order on purpose: the pruner walks by producer, not by position
        .node("Sigmoid", List.of("s"), List.of("y1"))
        .node("Mul", List.of("x", "a"), List.of("m"))
        .node("Relu", List.of("m"), List.of("y0"))
        .node("Add", List.of("m", "b"), List.of("s"));
  }

  @Test
  void keepsTheFirstOutputAndOnlyTheNodesItNeeds() throws Exception {
    byte[] model = twoOutputs().build();
    byte[] pruned = OutputPruner.keepOutput(model, 0);
    assertEquals(List.of("Mul", "Relu"), ops(pruned));
    assertEquals(1, count(pruned, 5), "initializer b dropped, a kept");
    float[][] before = run(model);
    float[][] after = run(pruned);
    assertEquals(1, after.length);
    assertArrayEquals(before[0], after[0]);
    assertArrayEquals(new float[] {0, 0, 3, 8}, after[0]);
  }

  @Test
  void keepsAnotherOutputWithItsOwnChain() throws Exception {
    byte[] model = twoOutputs().build();
    byte[] pruned = OutputPruner.keepOutput(model, 1);
    assertEquals(List.of("Sigmoid", "Mul", "Add"), ops(pruned));
    assertEquals(2, count(pruned, 5));
    float[][] before = run(model);
    float[][] after = run(pruned);
    assertEquals(1, after.length);
    assertArrayEquals(before[1], after[0]);
  }

  @Test
  void leavesAOneOutputModelAsItIs() {
    byte[] model =
        new TinyOnnx()
            .input("x", 1, 4)
            .output("y", 1, 4)
            .constant("unused", A, 1, 4)
            .node("Relu", List.of("x"), List.of("y"))
            .build();
    assertArrayEquals(model, OutputPruner.keepOutput(model, 0));
  }

  @Test
  void leavesAGraphWithControlFlowAsItIs() {
    // a sub-graph may read any value of the graph around it, so nothing can be proven unused
    TinyOnnx branch = new TinyOnnx().output("m", 1, 4);
    byte[] model =
        twoOutputs()
            .node("If", List.of("x"), List.of("z"), "then_branch", branch, "else_branch", branch)
            .build();
    assertArrayEquals(model, OutputPruner.keepOutput(model, 0));
  }

  @Test
  void refusesAnOutputTheModelHasNot() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> OutputPruner.keepOutput(twoOutputs().build(), 2));
    assertTrue(e.getMessage().contains("has 2 outputs"), e.getMessage());
  }

  @Test
  void refusesAGraphWhoseFieldLengthWrapsNegative() {
    // a graph (model field 7) holding field 1 with length 2^32 - 6: -6 as an int, which would lead
    // the reader back to the field's own start, for ever
    byte[] graph = {0x0a, (byte) 0xfa, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f};
    byte[] model = new byte[2 + graph.length];
    model[0] = 0x3a;
    model[1] = (byte) graph.length;
    System.arraycopy(graph, 0, model, 2, graph.length);
    assertThrows(
        IllegalArgumentException.class,
        () ->
            assertTimeoutPreemptively(
                Duration.ofSeconds(5), () -> OutputPruner.keepOutput(model, 0)));
  }

  @Test
  void sessionCopyOfAFloatModelKeepsOneOutput(@TempDir Path dir) throws Exception {
    Path model = twoOutputs().write(dir.resolve("two.onnx"));
    Path copy = Fp32Model.of(model, 1);
    assertNotEquals(model, copy, "a float32 model with outputs to drop gets a copy");
    assertEquals(List.of("Sigmoid", "Mul", "Add"), ops(Files.readAllBytes(copy)));
    assertEquals(copy, Fp32Model.of(model, 1));
    // another output read: the copy is made again for it
    assertEquals(copy, Fp32Model.of(model, 0));
    assertEquals(List.of("Mul", "Relu"), ops(Files.readAllBytes(copy)));
  }

  /** The op types of the graph's nodes, in stored order. */
  private static List<String> ops(byte[] model) throws Exception {
    return graph(model).getField(1).getLengthDelimitedList().stream()
        .map(
            n -> {
              try {
                return UnknownFieldSet.parseFrom(n)
                    .getField(4)
                    .getLengthDelimitedList()
                    .get(0)
                    .toStringUtf8();
              } catch (Exception e) {
                throw new AssertionError(e);
              }
            })
        .toList();
  }

  private static int count(byte[] model, int graphField) throws Exception {
    return graph(model).getField(graphField).getLengthDelimitedList().size();
  }

  private static UnknownFieldSet graph(byte[] model) throws Exception {
    return UnknownFieldSet.parseFrom(
        UnknownFieldSet.parseFrom(model).getField(7).getLengthDelimitedList().get(0));
  }

  /** Every output of the model on {@link #X}, in the graph's order. */
  private static float[][] run(byte[] model) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession s = env.createSession(model, new OrtSession.SessionOptions());
        OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(X), new long[] {1, 4});
        OrtSession.Result r = s.run(Map.of("x", in))) {
      float[][] out = new float[r.size()][X.length];
      for (int i = 0; i < r.size(); i++) {
        ((OnnxTensor) r.get(i)).getFloatBuffer().get(out[i]);
      }
      return out;
    }
  }
}
