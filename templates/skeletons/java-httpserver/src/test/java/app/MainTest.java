package app;

import com.sun.net.httpserver.HttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

/**
 * Unit test without a test framework (no Maven Central needed): run it with the JDK alone,
 * as the README shows. It exits non-zero when a check fails.
 */
public final class MainTest {
    private MainTest() {}

    public static void main(String[] args) throws Exception {
        HttpServer server = Main.start(0);
        try {
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/healthz");
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
            check(response.statusCode() == 200, "status " + response.statusCode() + ", want 200");
            check(response.body().equals("{\"status\":\"ok\"}"), "body " + response.body());
            System.out.println("ok: GET /healthz answers 200 {\"status\":\"ok\"}");
        } finally {
            server.stop(0);
        }
    }

    private static void check(boolean ok, String failure) {
        if (!ok) {
            System.err.println("FAILED: " + failure);
            System.exit(1);
        }
    }
}
