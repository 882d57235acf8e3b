import Foundation
import SamtakTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

// Issue 12, finding 9: idle, slowloris and short-body connections stayed open for good.
// The real `samtak-intake` executable, with short limits, over raw sockets.

/// A raw client connection on loopback, for sending partial requests.
private final class RawConnection: @unchecked Sendable {
    // @unchecked: used by one test at a time, from one task.
    let fd: Int32
    let opened = ContinuousClock.now

    init(port: Int) throws {
        guard let fd = HTTPProbe.connectLoopback(port: port) else { throw MissingTestDependency("cannot connect to 127.0.0.1:\(port)") }
        self.fd = fd
    }

    private var isClosed = false
    deinit { closeNow() }

    func closeNow() {
        if !isClosed { close(fd) }
        isClosed = true
    }

    /// False once the server has closed the connection.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, bytes.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    /// Reads what is there within `timeout`: nil when the server closed the connection
    /// (end of stream or reset), the bytes otherwise (empty when nothing came).
    func read(timeout: Duration) -> Data? {
        var pollDescriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        guard poll(&pollDescriptor, 1, milliseconds) > 0 else { return Data() }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count <= 0 ? nil : Data(buffer[0..<count])
    }

    /// Waits (reading and discarding any response) until the server closes; the time since
    /// the connection was opened, or nil if it was still open after `limit`.
    func waitUntilClosed(within limit: Duration, while action: (() -> Void)? = nil, every interval: Duration = .milliseconds(250)) -> Duration? {
        let deadline = opened + limit
        while ContinuousClock.now < deadline {
            if read(timeout: interval) == nil { return ContinuousClock.now - opened }
            action?()
        }
        return nil
    }

    /// Reads until a whole response head has arrived (or `timeout`).
    func readResponseHead(timeout: Duration) -> String? {
        var data = Data()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let chunk = read(timeout: .milliseconds(100)) else { return data.isEmpty ? nil : String(decoding: data, as: UTF8.self) }
            data.append(chunk)
            if data.range(of: Data("\r\n\r\n".utf8)) != nil { return String(decoding: data, as: UTF8.self) }
        }
        return nil
    }
}

@Suite("HTTP server limits: idle, slowloris and short-body connections are closed; connections are limited (issue 12, finding 9)",
       .serialized, .timeLimit(.minutes(3)))
struct HTTPServerLimitsTests {
    /// The intake with a 1 s idle timeout and a 3 s body deadline.
    private func withIntakeProcess(_ extra: [String: String], _ body: (Int) async throws -> Void) async throws {
        let port = freePort()
        let process = try ServiceProcess("samtak-intake", port: port, environment: [
            "SAMTAK_HTTP_IDLE_TIMEOUT_S": "1", "SAMTAK_HTTP_BODY_TIMEOUT_S": "3", "SAMTAK_TOPIC_PREFIX": "test.httplimits.",
        ].merging(extra) { $1 })
        let live = await eventually(timeout: .seconds(60), interval: .milliseconds(200)) { await process.get("/health/live")?.status == 200 }
        guard live else {
            await process.terminate()
            throw MissingTestDependency("samtak-intake did not answer on \(port): \(process.log.suffix(2000))")
        }
        do {
            try await body(port)
            await process.terminate()
        } catch {
            await process.terminate()
            throw error
        }
    }

    @Test("a second intake on a port already taken says so and exits with status 1, without a crash report")
    func portTaken() async throws {
        try await withIntakeProcess([:]) { port in
            let second = try ServiceProcess("samtak-intake", port: port, environment: ["SAMTAK_TOPIC_PREFIX": "test.httplimits."])
            let status = await second.waitForExit(timeout: .seconds(60))
            #expect(status == 1, "exit status \(String(describing: status)): \(second.log.suffix(1500))")
            #expect(second.log.contains("stopped with an error"))
            #expect(second.log.contains("Address already in use"))
            #expect(!second.log.contains("Program crashed"), "\(second.log.suffix(1500))")
        }
    }

    @Test("idle, slowloris, short body, trickled body and idle keep-alive connections are closed")
    func timeouts() async throws {
        try await withIntakeProcess([:]) { port in
            // Idle: connected, sends nothing.
            let idle = try RawConnection(port: port)
            let idleClosed = idle.waitUntilClosed(within: .seconds(10))
            #expect(idleClosed != nil, "an idle connection stayed open")

            // Slowloris: a request head that never ends, a header line every 250 ms.
            let slow = try RawConnection(port: port)
            slow.send("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            var line = 0
            let slowClosed = slow.waitUntilClosed(within: .seconds(10), while: { line += 1; slow.send("X-Slow-\(line): a\r\n") })
            #expect(slowClosed != nil, "a slowloris connection stayed open")

            // Short body: 100 bytes announced, 10 sent.
            let short = try RawConnection(port: port)
            short.send("POST /v1/units HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\":\"X")
            #expect(short.waitUntilClosed(within: .seconds(10)) != nil, "a short-body connection stayed open")

            // A body trickled a byte every 250 ms (never idle): the body deadline ends it.
            let trickle = try RawConnection(port: port)
            trickle.send("POST /v1/units HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n")
            let trickleClosed = trickle.waitUntilClosed(within: .seconds(20), while: { trickle.send(" ") })
            #expect(trickleClosed != nil, "a trickled body kept its connection open")

            // Keep-alive: after a response, an idle connection is closed too.
            let keepAlive = try RawConnection(port: port)
            keepAlive.send("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(keepAlive.readResponseHead(timeout: .seconds(10))?.hasPrefix("HTTP/1.1 200") == true)
            #expect(keepAlive.waitUntilClosed(within: .seconds(10)) != nil, "an idle keep-alive connection stayed open")
        }
    }

    @Test("beyond SAMTAK_HTTP_MAX_CONNECTIONS a client waits until a connection closes")
    func connectionLimit() async throws {
        try await withIntakeProcess(["SAMTAK_HTTP_IDLE_TIMEOUT_S": "60", "SAMTAK_HTTP_MAX_CONNECTIONS": "2"]) { port in
            // The readiness probe's connection may still be closing: give it a moment.
            try await Task.sleep(for: .milliseconds(500))
            let request = "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
            let first = try RawConnection(port: port), second = try RawConnection(port: port)
            for connection in [first, second] {
                connection.send(request)
                #expect(connection.readResponseHead(timeout: .seconds(10))?.hasPrefix("HTTP/1.1 200") == true)
            }
            let third = try RawConnection(port: port)  // accepted by the kernel, not served
            third.send(request)
            #expect(third.readResponseHead(timeout: .seconds(2)) == nil, "a third connection was served beyond the limit of two")
            first.closeNow()
            #expect(third.readResponseHead(timeout: .seconds(10))?.hasPrefix("HTTP/1.1 200") == true, "the waiting client was not served")
        }
    }
}
