package io.cutflow.ingest.fetch;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.SocketFactory;

/**
 * The internet as a {@link UrlFetcher} sees it, on loopback only: DNS is a table the test writes
 * (each name a list of answers, one per lookup, the last repeated), and every socket, whatever
 * address it is asked to connect to, records that address and reaches one local HTTP server on the
 * same port. So a test can give a name a public address, fetch from it for real, and see which
 * address the fetcher connected to and which Host it sent.
 */
final class FakeInternet implements AutoCloseable {
  final HttpServer server;
  final List<InetSocketAddress> connectedTo = new CopyOnWriteArrayList<>();
  final List<String> hostHeaders = new CopyOnWriteArrayList<>();
  final AtomicInteger requests = new AtomicInteger();
  private final Map<String, List<List<InetAddress>>> dns = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> lookups = new ConcurrentHashMap<>();

  FakeInternet() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** Serves {@code path}, counting requests and recording Host headers. */
  void route(String path, HttpHandler handler) {
    server.createContext(
        path,
        ex -> {
          requests.incrementAndGet();
          hostHeaders.add(ex.getRequestHeaders().getFirst("Host"));
          try {
            handler.handle(ex);
          } finally {
            ex.close();
          }
        });
  }

  /** {@code name}'s answers: the first lookup gets the first, and so on; the last one repeats. */
  @SafeVarargs
  final void answer(String name, List<String>... answers) {
    List<List<InetAddress>> list = new CopyOnWriteArrayList<>();
    for (List<String> answer : answers) {
      list.add(answer.stream().map(FakeInternet::literal).toList());
    }
    dns.put(name, list);
  }

  int lookups(String name) {
    AtomicInteger n = lookups.get(name);
    return n == null ? 0 : n.get();
  }

  HostResolver resolver() {
    return name -> {
      List<List<InetAddress>> answers = dns.get(name);
      if (answers == null) {
        throw new UnknownHostException(name);
      }
      int n = lookups.computeIfAbsent(name, k -> new AtomicInteger()).getAndIncrement();
      return answers.get(Math.min(n, answers.size() - 1));
    };
  }

  SocketFactory sockets() {
    return new SocketFactory() {
      @Override
      public Socket createSocket() {
        return new Socket() {
          @Override
          public void connect(SocketAddress endpoint, int timeout) throws IOException {
            InetSocketAddress asked = (InetSocketAddress) endpoint;
            connectedTo.add(asked);
            super.connect(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), asked.getPort()), timeout);
          }
        };
      }

      @Override
      public Socket createSocket(String host, int port) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Socket createSocket(String host, int port, InetAddress local, int localPort) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Socket createSocket(InetAddress host, int port) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Socket createSocket(InetAddress a, int port, InetAddress local, int localPort) {
        throw new UnsupportedOperationException();
      }
    };
  }

  static void send(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      ex.getResponseBody().write(body);
    }
  }

  static void redirect(HttpExchange ex, String location) throws IOException {
    ex.getResponseHeaders().add("Location", location);
    ex.sendResponseHeaders(302, -1);
  }

  private static InetAddress literal(String ip) {
    try {
      return InetAddress.getByName(ip); // literals only: no lookup
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(ip, e);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
