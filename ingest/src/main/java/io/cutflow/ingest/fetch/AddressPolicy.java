package io.cutflow.ingest.fetch;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * Which addresses a fetched URL may never reach: the server's own and its network's (loopback,
 * private, shared/CGNAT, link-local with the cloud metadata address, multicast, unspecified and
 * reserved), in IPv4 and IPv6, including IPv6 forms that embed an IPv4 address (mapped, compatible,
 * NAT64, 6to4), which the embedded address decides.
 */
public final class AddressPolicy {
  private AddressPolicy() {}

  /** Why {@code address} is refused (e.g. {@code loopback}), or null when it is public. */
  public static String refusal(InetAddress address) {
    byte[] b = address.getAddress();
    if (address instanceof Inet4Address || b.length == 4) {
      return refusalV4(b, 0);
    }
    return refusalV6(b);
  }

  private static String refusalV4(byte[] b, int at) {
    int a0 = b[at] & 0xff;
    int a1 = b[at + 1] & 0xff;
    int a2 = b[at + 2] & 0xff;
    int a3 = b[at + 3] & 0xff;
    if (a0 == 169 && a1 == 254 && a2 == 169 && a3 == 254) {
      return "cloud metadata";
    }
    if (a0 == 0) {
      return a1 == 0 && a2 == 0 && a3 == 0 ? "unspecified" : "reserved (0.0.0.0/8)";
    }
    if (a0 == 127) {
      return "loopback";
    }
    if (a0 == 10 || (a0 == 172 && (a1 & 0xf0) == 16) || (a0 == 192 && a1 == 168)) {
      return "private";
    }
    if (a0 == 100 && (a1 & 0xc0) == 64) {
      return "shared address space (CGNAT, 100.64.0.0/10)";
    }
    if (a0 == 169 && a1 == 254) {
      return "link-local";
    }
    if ((a0 & 0xf0) == 224) {
      return "multicast";
    }
    if ((a0 & 0xf0) == 240) {
      return a0 == 255 && a1 == 255 && a2 == 255 && a3 == 255
          ? "broadcast"
          : "reserved (240.0.0.0/4)";
    }
    if (a0 == 192 && a1 == 0 && a2 == 0) {
      return "reserved (192.0.0.0/24)";
    }
    if (a0 == 198 && (a1 & 0xfe) == 18) {
      return "reserved (198.18.0.0/15)";
    }
    return null;
  }

  private static String refusalV6(byte[] b) {
    if (allZero(b, 0, 10)) {
      if ((b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
        return embedded("IPv4-mapped", b, 12);
      }
      if (allZero(b, 10, 12)) {
        if (allZero(b, 12, 15) && b[15] == 1) {
          return "loopback";
        }
        if (allZero(b, 12, 16)) {
          return "unspecified";
        }
        return embedded("IPv4-compatible", b, 12);
      }
    }
    int b0 = b[0] & 0xff;
    int b1 = b[1] & 0xff;
    if (b0 == 0x00 && b1 == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
      return embedded("NAT64", b, 12); // 64:ff9b::/96
    }
    if (b0 == 0x20 && b1 == 0x02) {
      return embedded("6to4", b, 2); // 2002::/16
    }
    if ((b0 & 0xfe) == 0xfc) {
      return "private (unique local, fc00::/7)";
    }
    if (b0 == 0xfe && (b1 & 0xc0) == 0x80) {
      return "link-local";
    }
    if (b0 == 0xfe && (b1 & 0xc0) == 0xc0) {
      return "private (site local, fec0::/10)";
    }
    if (b0 == 0xff) {
      return "multicast";
    }
    return null;
  }

  /** An IPv6 form carrying an IPv4 address is refused when that address is. */
  private static String embedded(String form, byte[] b, int at) {
    String v4 = refusalV4(b, at);
    return v4 == null ? null : v4 + " (" + form + ")";
  }

  private static boolean allZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
