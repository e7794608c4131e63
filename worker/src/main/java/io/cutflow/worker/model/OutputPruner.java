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
import static io.cutflow.worker.model.OnnxWire.lengthFields;
import static io.cutflow.worker.model.OnnxWire.rewrite;
import static io.cutflow.worker.model.OnnxWire.stringField;
import static io.cutflow.worker.model.OnnxWire.stringFields;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites an ONNX model to keep only the one graph output a session reads, with the nodes,
 * initializers and value infos that output needs; the rest is dropped.
 *
 * <p>Why: ONNX Runtime runs every node of a graph whatever outputs the caller asks for. ISNet has
 * twelve outputs and the mask is the first: the other eleven (five side masks upsampled to 1024²,
 * six decoder feature maps, 95 MB of them) cost about 60 ms of a 2 s run in their own nodes, casts
 * and layout reorders, and their memory until the run ends. The kept output is computed by the same
 * nodes as before, so the masks are the same.
 *
 * <p>Works on the protobuf wire format ({@link OnnxWire}). A graph with control-flow nodes (whose
 * sub-graphs may read any outer value) is left as it is.
 */
public final class OutputPruner {
  // onnx.proto field numbers
  private static final int NODE_INPUT = 1;
  private static final int NODE_OUTPUT = 2;
  private static final int TENSOR_NAME = 8;
  private static final int VALUE_INFO_NAME = 1;

  private OutputPruner() {}

  /**
   * {@code model} (a serialised ModelProto) with only its graph output number {@code output} (from
   * 0, in the graph's order); the same bytes when there is nothing to drop.
   *
   * @throws IllegalArgumentException when the graph has no such output
   */
  public static byte[] keepOutput(byte[] model, int output) {
    return rewrite(
        model, (f, v, out) -> f == MODEL_GRAPH && OnnxWire.copy(out, f, graph(v, output)));
  }

  private static byte[] graph(byte[] g, int output) {
    List<String> outputs = new ArrayList<>();
    for (byte[] vi : lengthFields(g, GRAPH_OUTPUT)) {
      outputs.add(stringField(vi, VALUE_INFO_NAME));
    }
    if (output < 0 || output >= outputs.size()) {
      throw new IllegalArgumentException(
          "the model has "
              + outputs.size()
              + " outputs; its manifest entry reads output "
              + output
              + ": correct the entry's output index");
    }
    List<byte[]> nodes = lengthFields(g, GRAPH_NODE);
    if (outputs.size() == 1 || nodes.stream().anyMatch(OutputPruner::hasSubgraph)) {
      return g;
    }
    Set<String> needed = new HashSet<>();
    Set<Integer> kept = new HashSet<>();
    neededBy(outputs.get(output), nodes, needed, kept);
    Set<String> inputs = new HashSet<>();
    for (byte[] vi : lengthFields(g, GRAPH_INPUT)) {
      inputs.add(stringField(vi, VALUE_INFO_NAME));
    }
    int[] node = {0};
    int[] out = {0};
    return rewrite(
        g,
        (f, v, o) ->
            switch (f) {
              case GRAPH_NODE -> !kept.contains(node[0]++);
              case GRAPH_OUTPUT -> out[0]++ != output;
              // an initializer that is also a graph input (models before IR 4) stays: without it
              // the input would become one the caller must give
              case GRAPH_INITIALIZER -> {
                String name = stringField(v, TENSOR_NAME);
                yield !needed.contains(name) && !inputs.contains(name);
              }
              case GRAPH_VALUE_INFO -> !needed.contains(stringField(v, VALUE_INFO_NAME));
              default -> false;
            });
  }

  /** Adds to {@code needed} every value {@code name} depends on, to {@code kept} their nodes. */
  private static void neededBy(
      String name, List<byte[]> nodes, Set<String> needed, Set<Integer> kept) {
    Map<String, Integer> producer = new HashMap<>();
    List<List<String>> inputsOf = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      for (String produced : stringFields(nodes.get(i), NODE_OUTPUT)) {
        producer.put(produced, i);
      }
      inputsOf.add(stringFields(nodes.get(i), NODE_INPUT));
    }
    // nodes need not be stored in topological order, so walk from the output by producer
    Deque<String> todo = new ArrayDeque<>(List.of(name));
    while (!todo.isEmpty()) {
      String value = todo.pop();
      if (!needed.add(value)) {
        continue;
      }
      Integer i = producer.get(value);
      if (i != null && kept.add(i)) {
        todo.addAll(inputsOf.get(i));
      }
    }
  }

  private static boolean hasSubgraph(byte[] node) {
    for (byte[] attribute : lengthFields(node, NODE_ATTRIBUTE)) {
      if (!lengthFields(attribute, ATTR_G).isEmpty()
          || !lengthFields(attribute, ATTR_GRAPHS).isEmpty()) {
        return true;
      }
    }
    return false;
  }
}
