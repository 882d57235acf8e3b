import CCurlHTTP
import CCurlSMTP
import Foundation
import NIOPosix
import Synchronization

/// An HTTP response: status and body (headers are not needed by any caller).
public struct HTTPClientResponse: Sendable {
    public var status: Int
    public var body: [UInt8]
}

/// Why a request got no HTTP answer. The summary names the failure, never the URL's query or
/// a body.
public struct HTTPClientError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable { case unreachable, timeout, tooLarge, other }
    public var kind: Kind
    public var summary: String
    public var description: String { summary }
}

/// HTTP requests through libcurl, performed on a blocking thread pool (never on the
/// cooperative pool): its thread count is how many transfers run at once, so the web uses a
/// pool of its own sized for the intake calls (`SAMTAK_WEB_INTAKE_CONNECTIONS`), not NIO's
/// singleton (one thread per core: two concurrent page requests on a two-core machine, which
/// held samtak-web to a fifth of the intake's throughput). Easy handles are kept between
/// requests (at most `idleHandles`, one per thread), so
/// their connection caches reuse open connections to the provider and the intake API. No
/// redirects are followed; only `http` and `https` are allowed.
public final class CurlHTTPClient: Sendable {
    public let timeout: Duration
    public let maximumBodyBytes: Int
    private let threadPool: NIOThreadPool
    private let idle = Mutex<[HandleBox]>([])
    private let idleHandles: Int

    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK

    public init(timeout: Duration = .seconds(10), maximumBodyBytes: Int = 1 << 20, threadPool: NIOThreadPool = .singleton, idleHandles: Int = 16) {
        _ = Self.globalInit
        self.timeout = timeout
        self.maximumBodyBytes = maximumBodyBytes
        self.threadPool = threadPool
        self.idleHandles = idleHandles
    }

    /// A client with a started pool of `transfers` threads (the most transfers at once).
    public static func withOwnThreads(_ transfers: Int, timeout: Duration = .seconds(10)) -> CurlHTTPClient {
        let pool = NIOThreadPool(numberOfThreads: transfers)
        pool.start()
        return CurlHTTPClient(timeout: timeout, threadPool: pool, idleHandles: transfers)
    }

    deinit {
        for box in idle.withLock({ $0 }) { curl_easy_cleanup(box.handle) }
    }

    public func get(_ url: String, headers: [String] = []) async throws(HTTPClientError) -> HTTPClientResponse {
        try await perform(Request(url: url, method: "GET", headers: headers, body: nil))
    }

    /// POST with a body (e.g. `application/x-www-form-urlencoded`; give the Content-Type header).
    public func post(_ url: String, headers: [String], body: [UInt8]) async throws(HTTPClientError) -> HTTPClientResponse {
        try await perform(Request(url: url, method: "POST", headers: headers, body: body))
    }

    /// Any method with an optional body (PUT, DELETE, ...); the intake client's writes.
    public func send(_ method: String, _ url: String, headers: [String], body: [UInt8]?) async throws(HTTPClientError) -> HTTPClientResponse {
        try await perform(Request(url: url, method: method, headers: headers, body: body))
    }

    struct Request: Sendable {
        var url: String
        var method: String
        var headers: [String]
        var body: [UInt8]?
    }

    func perform(_ request: Request) async throws(HTTPClientError) -> HTTPClientResponse {
        let box = idle.withLock { $0.popLast() } ?? curl_easy_init().map(HandleBox.init)
        guard let box else { throw HTTPClientError(kind: .other, summary: "libcurl could not create a handle") }
        let result: Result<HTTPClientResponse, HTTPClientError>
        do {
            let (timeout, maximum) = (timeout, maximumBodyBytes)
            result = try await threadPool.runIfActive { Self.transfer(request, handle: box.handle, timeout: timeout, maximumBody: maximum) }
        } catch {
            result = .failure(HTTPClientError(kind: .other, summary: "the transfer thread pool is not running"))
        }
        let kept = idle.withLock { handles in
            guard handles.count < idleHandles else { return false }
            handles.append(box)
            return true
        }
        if !kept { curl_easy_cleanup(box.handle) }
        return try result.get()
    }

    /// One blocking transfer on a pool thread.
    static func transfer(_ request: Request, handle: UnsafeMutableRawPointer, timeout: Duration, maximumBody: Int) -> Result<HTTPClientResponse, HTTPClientError> {
        curl_easy_reset(handle)
        let sink = BodySink(limit: maximumBody)
        var headerList: UnsafeMutablePointer<curl_slist>?
        for header in request.headers { headerList = curl_slist_append(headerList, header) }
        defer { curl_slist_free_all(headerList) }
        let milliseconds = Int(timeout.components.seconds) * 1000 + Int(timeout.components.attoseconds / 1_000_000_000_000_000)
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE))
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errorPointer in
            withExtendedLifetime(sink) {
                let me = Unmanaged.passUnretained(sink).toOpaque()
                _ = samtak_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorPointer.baseAddress)
                _ = samtak_curl_setopt_string(handle, CURLOPT_URL, request.url)
                _ = samtak_curl_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
                _ = samtak_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
                _ = samtak_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
                _ = samtak_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, milliseconds)
                _ = samtak_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, milliseconds)
                _ = samtak_curl_setopt_write_function(handle, httpWriteCallback)
                _ = samtak_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, me)
                _ = samtak_curl_setopt_headers(handle, headerList)
                if request.method != "GET" && request.method != "POST" {
                    _ = samtak_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
                }
                if request.method == "POST" || request.method == "PUT" || request.body != nil {
                    let body = request.body ?? []
                    if body.isEmpty {
                        return "".withCString { empty in
                            _ = samtak_curl_setopt_post_body(handle, empty, 0)
                            return curl_easy_perform(handle)
                        }
                    }
                    return body.withUnsafeBufferPointer { bodyPointer in
                        bodyPointer.withMemoryRebound(to: CChar.self) { chars in
                            _ = samtak_curl_setopt_post_body(handle, chars.baseAddress, body.count)
                            return curl_easy_perform(handle)
                        }
                    }
                }
                _ = samtak_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
                return curl_easy_perform(handle)
            }
        }
        _ = samtak_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil)
        _ = samtak_curl_setopt_headers(handle, nil)
        _ = samtak_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, nil)
        if sink.overflowed {
            return .failure(HTTPClientError(kind: .tooLarge, summary: "the response is larger than \(maximumBody) bytes"))
        }
        guard code == CURLE_OK else {
            let kind: HTTPClientError.Kind = switch code {
            case CURLE_OPERATION_TIMEDOUT: .timeout
            case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_GOT_NOTHING, CURLE_RECV_ERROR, CURLE_SEND_ERROR: .unreachable
            default: .other
            }
            return .failure(HTTPClientError(kind: kind, summary: String(cString: curl_easy_strerror(code))))
        }
        var status = 0
        _ = samtak_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPClientResponse(status: status, body: sink.bytes))
    }
}

/// An easy handle, handed between tasks (used by one thread at a time).
private final class HandleBox: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    init(_ handle: UnsafeMutableRawPointer) { self.handle = handle }
}

/// Collects a response body on the transfer's thread, up to a limit.
private final class BodySink {
    var bytes: [UInt8] = []
    var overflowed = false
    let limit: Int
    init(limit: Int) { self.limit = limit }
}

private func httpWriteCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let userdata, let data else { return 0 }
    let sink = Unmanaged<BodySink>.fromOpaque(userdata).takeUnretainedValue()
    let length = size * count
    guard sink.bytes.count + length <= sink.limit else {
        sink.overflowed = true
        return 0  // aborts the transfer
    }
    data.withMemoryRebound(to: UInt8.self, capacity: length) { sink.bytes.append(contentsOf: UnsafeBufferPointer(start: $0, count: length)) }
    return length
}

extension String {
    /// Percent-encoding for a query or form value (RFC 3986 unreserved characters kept).
    var formEncoded: String {
        addingPercentEncoding(withAllowedCharacters: unreservedCharacters) ?? ""
    }
}

private let unreservedCharacters = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

/// `k=v&k=v` with every key and value percent-encoded.
func formBody(_ pairs: [(String, String)]) -> String {
    pairs.map { "\($0.0.formEncoded)=\($0.1.formEncoded)" }.joined(separator: "&")
}
