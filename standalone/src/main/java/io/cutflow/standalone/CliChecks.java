package io.cutflow.standalone;

import io.cutflow.worker.cli.CliArguments;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.SocketException;
import java.net.UnknownHostException;

/**
 * Checks of the one-machine commands' arguments, made before anything starts. Each failure is an
 * {@link IllegalArgumentException} whose message names the option, what is wrong and the fix; the
 * CLI prints it as one line and exits 2 ({@link CutflowCli#commandLine()}).
 */
final class CliChecks {
  private CliChecks() {}

  /** {@code --workers} of run, up and bench. */
  static void workers(int workers) {
    CliArguments.atLeastOne("--workers", workers, "worker processes", "2");
  }

  /**
   * {@code port} on {@code host} can be bound now (0 always can): a port taken by another process
   * fails here, not after the whole stack has started.
   */
  static void portFree(String host, int port) {
    InetAddress address;
    try {
      address = InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(
          "--host " + host + " is not an address of this machine; give e.g. --host 127.0.0.1");
    }
    try {
      // an address of another machine resolves, but nothing can listen on it here
      if (!address.isAnyLocalAddress() && NetworkInterface.getByInetAddress(address) == null) {
        throw new IllegalArgumentException(
            "--host "
                + host
                + " ("
                + address.getHostAddress()
                + ") is not an address of this machine; give e.g. --host 127.0.0.1");
      }
    } catch (SocketException e) {
      throw new IllegalArgumentException("--host " + host + ": " + e.getMessage());
    }
    if (port == 0) {
      return;
    }
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(true); // as the HTTP server binds: a port in TIME_WAIT is free
      s.bind(new InetSocketAddress(address, port));
    } catch (BindException e) {
      throw new IllegalArgumentException(
          "--port "
              + port
              + ": "
              + host
              + ":"
              + port
              + " cannot be bound ("
              + e.getMessage()
              + "); choose another with --port N (0 = any free port)");
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--port " + port + ": cannot bind " + host + ":" + port + " (" + e.getMessage() + ")");
    }
  }
}
