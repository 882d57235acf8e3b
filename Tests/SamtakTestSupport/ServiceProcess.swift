import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A built Samtak executable started as a child process, as an operator would run it.
/// Its standard error (the JSON log) is collected for assertions.
public final class ServiceProcess: @unchecked Sendable {
    // @unchecked: `process` is only touched from the test that owns it; the log buffer is
    // guarded by a mutex because the pipe reader runs on its own thread.
    public let executable: String
    public let process = ChildProcess()
    private let output = LogBuffer()
    public let port: Int

    /// - Parameters:
    ///   - executable: e.g. `samtak-scheduler`.
    ///   - environment: added to (and overriding) the test process's environment.
    public init(_ executable: String, port: Int, arguments: [String] = [], environment: [String: String]) throws {
        self.executable = executable
        self.port = port
        let url = TestEnvironment.binDirectory.appendingPathComponent(executable)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw MissingTestDependency("\(url.path) is not built; run `swift build` first (Deploy/test does)")
        }
        process.executableURL = url
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        merged["SAMTAK_HTTP_PORT"] = String(port)
        merged["SAMTAK_LOG_FORMAT"] = "json"
        merged.merge(environment) { _, new in new }
        process.environment = merged
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        try process.run()
        process.readToEnd(of: pipe) { [output] chunk in output.append(chunk) }
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    public var log: String { output.text }
    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Sends SIGTERM and waits for exit; returns the exit status (nil on timeout, then SIGKILL).
    @discardableResult
    public func terminate(timeout: Duration = .seconds(15)) async -> Int32? {
        signal(SIGTERM)
        return await waitForExit(timeout: timeout)
    }

    /// Kills without warning (SIGKILL), as a crash or an OOM kill would.
    public func kill9() async {
        signal(SIGKILL)
        _ = await waitForExit(timeout: .seconds(10))
    }

    public func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            // Still running: hung, or crashed and still writing its backtrace. Keep its log.
            signal(SIGKILL)
            keepLog(reason: "did not exit within \(timeout)")
            return nil
        }
        if process.terminationReason == .uncaughtSignal && process.terminationStatus != SIGKILL {
            keepLog(reason: "ended by signal \(process.terminationStatus)")
        }
        return process.terminationStatus
    }

    /// Writes the process's log where a developer finds it (`$SAMTAK_HOME/logs/`, else the
    /// temporary directory), so a crash the test tolerated is still seen.
    private func keepLog(reason: String) {
        let home = ProcessInfo.processInfo.environment["SAMTAK_HOME"].map { URL(fileURLWithPath: $0).appendingPathComponent("logs") }
            ?? FileManager.default.temporaryDirectory
        try? FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let file = home.appendingPathComponent("abnormal-exit-\(executable)-\(process.processIdentifier).log")
        try? Data("\(executable) \(reason)\n\(log)".utf8).write(to: file)
        FileHandle.standardError.write(Data("\(executable) (pid \(process.processIdentifier)) \(reason); its log: \(file.path)\n".utf8))
    }

    /// GET http://127.0.0.1:port/path → (status, body); nil when nothing answers.
    public func get(_ path: String) async -> (status: Int, body: String)? {
        await HTTPProbe.get(port: port, path: path)
    }

    /// Waits until `/health/ready` answers 200.
    public func waitUntilReady(timeout: Duration = .seconds(60)) async -> Bool {
        await eventually(timeout: timeout, interval: .milliseconds(200)) {
            await get("/health/ready")?.status == 200
        }
    }
}

/// A minimal blocking HTTP/1.1 client over a loopback socket, run off the cooperative pool.
public enum HTTPProbe {
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: Data
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public static func get(port: Int, path: String) async -> (status: Int, body: String)? {
        guard let response = await request(port: port, method: "GET", path: path) else { return nil }
        return (response.status, response.text)
    }

    /// Sends one request (`Connection: close`) and reads the whole response.
    public static func request(port: Int, method: String, path: String, headers: [String: String] = [:], body: Data? = nil) async -> Response? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: blockingRequest(port: port, method: method, path: path, headers: headers, body: body))
            }
        }
    }

    /// A blocking TCP connection to 127.0.0.1:`port` (the caller closes it); nil when refused.
    public static func connectLoopback(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); return nil }
        return fd
    }

    static func blockingRequest(port: Int, method: String, path: String, headers: [String: String], body: Data?) -> Response? {
        guard let fd = connectLoopback(port: port) else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 15, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        var outgoing = Array(head.utf8)
        if let body { outgoing.append(contentsOf: body) }
        var offset = 0
        while offset < outgoing.count {
            let sent = outgoing.withUnsafeBytes { send(fd, $0.baseAddress! + offset, outgoing.count - offset, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { break }
            offset += sent
        }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        guard let separator = data.range(of: Data("\r\n\r\n".utf8)) else { return nil }
        let headText = String(decoding: data[data.startIndex..<separator.lowerBound], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let parts = lines.removeFirst().split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
        var responseHeaders: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            responseHeaders[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var payload = Data(data[separator.upperBound...])
        if responseHeaders["transfer-encoding"]?.lowercased() == "chunked" { payload = dechunk(payload) }
        return Response(status: status, headers: responseHeaders, body: payload)
    }

    static func dechunk(_ data: Data) -> Data {
        var out = Data()
        var index = data.startIndex
        while index < data.endIndex {
            guard let lineEnd = data[index...].range(of: Data("\r\n".utf8)) else { break }
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            let end = data.index(start, offsetBy: size, limitedBy: data.endIndex) ?? data.endIndex
            out.append(data[start..<end])
            index = data.index(end, offsetBy: 2, limitedBy: data.endIndex) ?? data.endIndex
        }
        return out
    }
}

/// A free TCP port on loopback (bound, read, released).
public func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

final class LogBuffer: Sendable {
    private let data = Mutex(Data())
    func append(_ chunk: Data) { data.withLock { $0.append(chunk) } }
    var text: String { data.withLock { String(decoding: $0, as: UTF8.self) } }
}
