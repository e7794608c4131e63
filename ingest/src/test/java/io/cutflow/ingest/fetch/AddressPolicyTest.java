package io.cutflow.ingest.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.Inet6Address;
import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AddressPolicyTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "127.0.0.1 | loopback",
        "127.255.0.9 | loopback",
        "10.1.2.3 | private",
        "172.16.0.1 | private",
        "172.31.255.255 | private",
        "192.168.1.1 | private",
        "100.64.0.1 | shared address space (CGNAT, 100.64.0.0/10)",
        "100.127.255.255 | shared address space (CGNAT, 100.64.0.0/10)",
        "169.254.169.254 | cloud metadata",
        "169.254.1.1 | link-local",
        "224.0.0.1 | multicast",
        "239.255.255.250 | multicast",
        "0.0.0.0 | unspecified",
        "0.1.2.3 | reserved (0.0.0.0/8)",
        "255.255.255.255 | broadcast",
        "::1 | loopback",
        ":: | unspecified",
        "fe80::1 | link-local",
        "febf::1 | link-local",
        "fc00::1 | private (unique local, fc00::/7)",
        "fd00:ec2::254 | private (unique local, fc00::/7)",
        "ff02::1 | multicast",
        "::127.0.0.1 | loopback (IPv4-compatible)",
        "::a9fe:a9fe | cloud metadata (IPv4-compatible)",
        "64:ff9b::a00:1 | private (NAT64)",
        "2002:7f00:1:: | loopback (6to4)",
        "2002:c0a8:101:: | private (6to4)",
      })
  void refusesNonPublicAddresses(String address, String reason) throws Exception {
    assertEquals(reason, AddressPolicy.refusal(InetAddress.getByName(address)), address);
  }

  /** Java turns ::ffff:a.b.c.d into an IPv4 address; a resolver may still hand the IPv6 form. */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "127.0.0.1 | loopback (IPv4-mapped)",
        "10.0.0.1 | private (IPv4-mapped)",
        "169.254.169.254 | cloud metadata (IPv4-mapped)",
      })
  void refusesIpv4MappedForms(String v4, String reason) throws Exception {
    byte[] b = new byte[16];
    b[10] = (byte) 0xff;
    b[11] = (byte) 0xff;
    System.arraycopy(InetAddress.getByName(v4).getAddress(), 0, b, 12, 4);
    Inet6Address mapped = Inet6Address.getByAddress(null, b, null);
    assertEquals(reason, AddressPolicy.refusal(mapped));
    // the form Java parses it into is refused as well
    assertNotNull(AddressPolicy.refusal(InetAddress.getByName("::ffff:" + v4)));
  }

  @ParameterizedTest
  @CsvSource({
    "8.8.8.8",
    "172.32.0.1",
    "172.15.255.255",
    "100.128.0.1",
    "198.51.100.7",
    "2001:4860:4860::8888",
    "2002:0808:0808::",
    "64:ff9b::808:808",
  })
  void letsPublicAddressesThrough(String address) throws Exception {
    assertNull(AddressPolicy.refusal(InetAddress.getByName(address)), address);
  }
}
