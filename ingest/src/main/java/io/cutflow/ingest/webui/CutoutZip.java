package io.cutflow.ingest.webui;

import io.cutflow.common.image.CutoutFileName;
import io.cutflow.common.job.JobResult;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Cutouts as a ZIP written straight to a stream: each cutout is streamed from the object store into
 * its entry and out before the next is opened, so the server holds a 64 KiB buffer, never a cutout
 * or the archive. Entries are deflated at level 0 (stored blocks: a PNG does not deflate further);
 * unlike STORED entries, these need no size and CRC before their data, so nothing is read ahead.
 */
public final class CutoutZip {
  /** One entry: its name in the archive and where the cutout lies. */
  public record Entry(String name, String bucket, String key) {}

  /** Opens a cutout's bytes; empty when it is gone (the entry is then left out). */
  @FunctionalInterface
  public interface Source {
    Optional<InputStream> open(String bucket, String key);
  }

  /** File names Windows keeps for devices (before the first dot), whatever the case. */
  private static final Pattern WINDOWS_DEVICE =
      Pattern.compile("(?i)con|prn|aux|nul|com[1-9]|lpt[1-9]");

  private CutoutZip() {}

  /**
   * The entries for these jobs' results, in order: done jobs only, each named after the uploaded
   * file ({@code photo.jpg} → {@code photo.png}, the name {@code cutflow remove} gives), made
   * unique and safe to unpack (no directories, no {@code ..}).
   */
  public static List<Entry> entries(
      List<String> jobIds, Function<String, Optional<JobResult>> find) {
    List<Entry> out = new ArrayList<>();
    Set<String> used = new HashSet<>();
    for (String id : jobIds) {
      Optional<JobResult> r = find.apply(id);
      if (r.isEmpty() || !r.get().isOk() || r.get().output() == null) {
        continue;
      }
      JobResult.StoredObject o = r.get().output();
      String source = r.get().source() == null ? id : r.get().source().key();
      out.add(new Entry(uniqueName(entryName(source, id), used), o.bucket(), o.key()));
    }
    return out;
  }

  /**
   * The archive name for a source key {@code <jobId>/<file name>} (what the ingest stores): the
   * file name's base plus {@code .png}, with path separators, control characters and the characters
   * Windows refuses replaced, and a {@code _} after a name Windows keeps for a device ({@code
   * con.png} → {@code con_.png}).
   */
  static String entryName(String sourceKey, String jobId) {
    String last = sourceKey.substring(sourceKey.lastIndexOf('/') + 1);
    String name = CutoutFileName.ofKey(last.isBlank() ? jobId : last);
    StringBuilder safe = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      // separators, controls and what Windows refuses in a file name
      safe.append(c < 0x20 || c == 0x7f || "\\/:*?\"<>|".indexOf(c) >= 0 ? '_' : c);
    }
    String s = safe.toString();
    // ".png" alone or a name of dots would unpack oddly
    if (s.replace(".", "").equals("png") || s.startsWith(".")) {
      return jobId + ".png";
    }
    // Windows cannot create con.png, nul.tar.png, com1.png…: the part before the first dot is a
    // device there, whatever follows
    int dot = s.indexOf('.');
    String stem = s.substring(0, dot).stripTrailing();
    return WINDOWS_DEVICE.matcher(stem).matches()
        ? s.substring(0, dot) + "_" + s.substring(dot)
        : s;
  }

  private static String uniqueName(String name, Set<String> used) {
    String candidate = name;
    int n = 2;
    String base = name.substring(0, name.length() - 4);
    while (!used.add(candidate.toLowerCase(Locale.ROOT))) {
      candidate = base + " (" + n++ + ").png";
    }
    return candidate;
  }

  /**
   * Writes the archive to {@code out} (not closed: the caller owns the response), one cutout at a
   * time; a cutout gone from the store since its result is left out. Returns how many were written.
   */
  public static int write(OutputStream out, List<Entry> entries, Source source) throws IOException {
    ZipOutputStream zip = new ZipOutputStream(new NonClosing(out));
    zip.setLevel(Deflater.NO_COMPRESSION);
    int written = 0;
    for (Entry e : entries) {
      Optional<InputStream> opened = source.open(e.bucket(), e.key());
      if (opened.isEmpty()) {
        continue;
      }
      try (InputStream png = opened.get()) {
        zip.putNextEntry(new ZipEntry(e.name()));
        png.transferTo(zip);
        zip.closeEntry();
      }
      zip.flush(); // this entry leaves now, before the next cutout is opened
      written++;
    }
    zip.finish();
    zip.close();
    return written;
  }

  /** Lets the ZIP finish without closing the response under it. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
    }

    @Override
    public void close() throws IOException {
      out.flush();
    }
  }
}
