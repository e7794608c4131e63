package io.cutflow.worker.model;

import java.net.URI;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

final class TestSpecs {

  private TestSpecs() {}

  static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }

  static String md5(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
  }

  static ModelSpec spec(
      String name, Long size, String sha256, String md5, List<ModelSource> sources) {
    return new ModelSpec(
        name,
        "test model",
        ModelSpec.Family.ISNET,
        name + ".onnx",
        size,
        sha256,
        md5,
        sources,
        new ModelSpec.InputSize(8, 8),
        new ModelSpec.Normalization(new double[] {0.5, 0.5, 0.5}, new double[] {1, 1, 1}),
        0,
        ModelSpec.Activation.NONE,
        "test",
        false,
        1,
        List.of(),
        null);
  }

  static List<ModelSource> urls(String... urls) {
    List<ModelSource> out = new ArrayList<>();
    for (String u : urls) {
      out.add(new ModelSource.UrlSource(URI.create(u)));
    }
    return out;
  }
}
