package io.cutflow.worker.model;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/** An expected digest of a file. */
public record Checksum(Algorithm algorithm, String hex) {

  public Checksum {
    Objects.requireNonNull(algorithm, "algorithm");
    Objects.requireNonNull(hex, "hex");
    hex = hex.toLowerCase(Locale.ROOT);
    if (!algorithm.looksValid(hex)) {
      throw new IllegalArgumentException(
          algorithm.id() + " must be " + algorithm.hexLength + " hex digits: " + hex);
    }
  }

  /** Digest algorithms a manifest may use. */
  public enum Algorithm {
    SHA256("SHA-256", 64),
    MD5("MD5", 32);

    private final String jcaName;
    private final int hexLength;
    private final Pattern pattern;

    Algorithm(String jcaName, int hexLength) {
      this.jcaName = jcaName;
      this.hexLength = hexLength;
      this.pattern = Pattern.compile("[0-9a-f]{" + hexLength + "}");
    }

    /** {@code sha256} / {@code md5}, as used in messages and the manifest. */
    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }

    public boolean looksValid(String hex) {
      return hex != null && pattern.matcher(hex).matches();
    }

    public MessageDigest newDigest() {
      try {
        return MessageDigest.getInstance(jcaName);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(jcaName + " not available", e);
      }
    }

    /** Hex digest of a whole file. */
    public String digest(Path file) throws IOException {
      MessageDigest md = newDigest();
      byte[] buf = new byte[1 << 16];
      try (InputStream in = Files.newInputStream(file)) {
        int n;
        while ((n = in.read(buf)) > 0) {
          md.update(buf, 0, n);
        }
      }
      return HexFormat.of().formatHex(md.digest());
    }

    public static Algorithm parse(String id) {
      for (Algorithm a : values()) {
        if (a.id().equalsIgnoreCase(id)) {
          return a;
        }
      }
      throw new IllegalArgumentException("unknown checksum algorithm " + id);
    }
  }

  @Override
  public String toString() {
    return algorithm.id() + ":" + hex;
  }
}
