package io.cutflow.worker.inference;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A process for {@link StopSignalsTest}: runs a model (a chain of 512² matrix products) in a loop
 * on a daemon thread, as {@code remove} does, until asked to end; its signals go through {@link
 * StopSignals}, whose stop lets the run in progress finish. Prints {@code running} once the first
 * run is done and {@code drained} when the loop has left the model. A second argument is the status
 * the stop exits with (else 128 + the signal).
 */
public final class StopSignalsChild {
  private static final int SIDE = 512;
  private static final int PRODUCTS = 16;

  public static void main(String[] args) throws Exception {
    Path model = Path.of(args[0]);
    TinyOnnx g = new TinyOnnx().input("x", SIDE, SIDE).output("y" + PRODUCTS, SIDE, SIDE);
    float[] w = new float[SIDE * SIDE];
    for (int i = 0; i < SIDE; i++) {
      w[i * SIDE + i] = 1; // identity: values stay finite however many products
    }
    g.constant("w", w, SIDE, SIDE);
    for (int i = 1; i <= PRODUCTS; i++) {
      g.node("MatMul", List.of(i == 1 ? "x" : "y" + (i - 1), "w"), List.of("y" + i));
    }
    g.write(model);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession session = env.createSession(model.toString(), new OrtSession.SessionOptions());
    AtomicBoolean stop = new AtomicBoolean();
    List<Long> ignored = new ArrayList<>();
    Thread loop =
        new Thread(
            () -> {
              FloatBuffer x = FloatBuffer.allocate(SIDE * SIDE);
              boolean first = true;
              while (!stop.get()) {
                try (OnnxTensor t = OnnxTensor.createTensor(env, x, new long[] {SIDE, SIDE});
                    OrtSession.Result r = session.run(Map.of("x", t))) {
                  ignored.add((long) r.size());
                } catch (Exception e) {
                  System.out.println("run failed: " + e);
                  return;
                }
                if (first) {
                  System.out.println("running");
                  first = false;
                }
              }
            },
            "model-loop");
    loop.setDaemon(true);
    Runnable drain =
        () -> {
          stop.set(true);
          try {
            loop.join();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          System.out.println("drained");
        };
    if (args.length > 1) { // the status to exit with instead of 128 + the signal
      int status = Integer.parseInt(args[1]);
      StopSignals.install(
          signal -> {
            drain.run();
            return status;
          });
    } else {
      StopSignals.install(drain);
    }
    loop.start();
    Thread.sleep(Long.MAX_VALUE);
  }
}
