import CCurlSMTP
import Foundation

/// Sends messages through an SMTP relay with libcurl.
///
/// Transfers run on a few dedicated threads (`threadCount`, default 4), never on Swift's
/// cooperative pool; any number of `send` calls may be in flight, and they queue for a thread.
/// Each thread keeps its libcurl handle, so consecutive sends reuse the relay connection.
public final class SMTPSender: Sendable {
    public let configuration: SMTPConfiguration
    private let pool: CurlWorkerPool

    public convenience init(configuration: SMTPConfiguration) {
        self.init(configuration: configuration, threadCount: 4)
    }

    public init(configuration: SMTPConfiguration, threadCount: Int) {
        self.configuration = configuration
        self.pool = CurlWorkerPool(threadCount: max(1, min(threadCount, 64)), name: "samtak-smtp")
    }

    deinit {
        pool.shutdown()
    }

    /// Sends one message (RFC 5322 text, e.g. `MailMessage.render()`) to one envelope recipient.
    ///
    /// Cancelling the calling task abandons a send that has not started and aborts a running
    /// transfer; both end in a `.transient` error.
    public func send(message: String, from: String, to: String) async throws(SMTPError) {
        guard Self.isUsableAddress(from) else {
            throw SMTPError(kind: .permanent, summary: "the envelope sender address is not usable")
        }
        guard Self.isUsableAddress(to) else {
            throw SMTPError(kind: .permanent, summary: "the envelope recipient address is not usable")
        }
        if Task.isCancelled {
            throw SMTPError(kind: .transient, summary: "the send was cancelled")
        }
        let transfer = SMTPTransfer(
            configuration: configuration,
            message: Array(MIMEEncoding.crlfNormalized(message).utf8),
            from: from, to: to)
        let pool = self.pool
        let result: Result<Void, SMTPError> = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<Void, SMTPError>, Never>) in
                pool.submit { handle in
                    continuation.resume(returning: transfer.perform(handle: handle))
                }
            }
        } onCancel: {
            transfer.cancel()
        }
        try result.get()
    }

    /// A plain addr-spec: no spaces, brackets, control characters or line breaks, one "@".
    static func isUsableAddress(_ address: String) -> Bool {
        guard !address.isEmpty, address.utf8.count <= 320 else { return false }
        let forbidden: Set<Character> = ["<", ">", " ", ",", ";", "\"", "\\", "(", ")"]
        guard !address.contains(where: { forbidden.contains($0) || $0.isNewline || $0.unicodeScalars.contains { $0.properties.generalCategory == .control } })
        else { return false }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
    }
}

/// One message to one recipient, performed on a pool thread.
final class SMTPTransfer: @unchecked Sendable {
    private let configuration: SMTPConfiguration
    private let from: String
    private let to: String
    private let lock = NSLock()
    // Guarded by `lock`.
    private var cancelled = false
    // Touched only by the pool thread while performing.
    private let message: [UInt8]
    private var offset = 0

    init(configuration: SMTPConfiguration, message: [UInt8], from: String, to: String) {
        self.configuration = configuration
        self.message = message
        self.from = from
        self.to = to
    }

    func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }

    var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    /// Supplies the message to libcurl's upload (CURLOPT_READFUNCTION).
    fileprivate func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let count = min(capacity, message.count - offset)
        guard count > 0 else { return 0 }
        message.withUnsafeBytes { bytes in
            UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }

    func perform(handle: UnsafeMutableRawPointer?) -> Result<Void, SMTPError> {
        guard !isCancelled else {
            return .failure(SMTPError(kind: .transient, summary: "the send was cancelled before it started"))
        }
        guard let handle else {
            return .failure(SMTPError(kind: .transient, summary: "libcurl could not create a handle"))
        }
        offset = 0
        var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        let recipients: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, to)
        defer { curl_slist_free_all(recipients) }
        guard recipients != nil else {
            return .failure(SMTPError(kind: .transient, summary: "libcurl could not allocate the recipient list"))
        }

        let me = Unmanaged.passUnretained(self).toOpaque()
        let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errorPointer in
            var setupFailure: CURLcode = CURLE_OK
            func check(_ result: CURLcode) {
                if result != CURLE_OK && setupFailure == CURLE_OK { setupFailure = result }
            }
            let useSSL: Int
            switch configuration.startTLS {
            case .never: useSSL = samtak_curl_usessl_none()
            case .ifAvailable: useSSL = samtak_curl_usessl_try()
            case .required: useSSL = samtak_curl_usessl_all()
            }
            check(samtak_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorPointer.baseAddress))
            check(samtak_curl_setopt_string(handle, CURLOPT_URL, configuration.curlURL))
            check(samtak_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
            check(samtak_curl_setopt_long(handle, CURLOPT_USE_SSL, configuration.usesImplicitTLS ? samtak_curl_usessl_all() : useSSL))
            if let username = configuration.username {
                check(samtak_curl_setopt_string(handle, CURLOPT_USERNAME, username))
                check(samtak_curl_setopt_string(handle, CURLOPT_PASSWORD, configuration.password ?? ""))
            }
            let timeout = configuration.timeoutMilliseconds
            check(samtak_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeout))
            check(samtak_curl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, timeout))
            check(samtak_curl_setopt_string(handle, CURLOPT_MAIL_FROM, from))
            check(samtak_curl_setopt_pointer(handle, CURLOPT_MAIL_RCPT, UnsafeMutableRawPointer(recipients)))
            check(samtak_curl_setopt_long(handle, CURLOPT_UPLOAD, 1))
            check(samtak_curl_setopt_long(handle, CURLOPT_INFILESIZE, message.count))
            check(samtak_curl_setopt_read_function(handle, smtpReadCallback))
            check(samtak_curl_setopt_pointer(handle, CURLOPT_READDATA, me))
            check(samtak_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0))
            check(samtak_curl_setopt_xferinfo_function(handle, smtpProgressCallback))
            check(samtak_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, me))
            guard setupFailure == CURLE_OK else { return setupFailure }
            return withExtendedLifetime(self) { curl_easy_perform(handle) }
        }
        // Do not leave pointers to this transfer in the reused handle.
        _ = samtak_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, nil)
        _ = samtak_curl_setopt_pointer(handle, CURLOPT_MAIL_RCPT, nil)

        if code == CURLE_OK { return .success(()) }

        var reply: Int = 0
        _ = samtak_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &reply)
        let detail = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let summary: String
        if code == CURLE_ABORTED_BY_CALLBACK && isCancelled {
            summary = "the send was cancelled"
        } else {
            let base = String(cString: curl_easy_strerror(code))
            summary = detail.isEmpty ? base : "\(base): \(SMTPError.scrubbed(detail))"
        }
        return .failure(
            SMTPError.classify(
                replyCode: reply == 0 ? nil : reply,
                curlCode: Int32(truncatingIfNeeded: code.rawValue),
                authenticationFailed: code == CURLE_LOGIN_DENIED,
                summary: summary))
    }
}

private let smtpReadCallback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = {
    buffer, size, count, userdata in
    guard let buffer, let userdata else { return 0 }
    let transfer = Unmanaged<SMTPTransfer>.fromOpaque(userdata).takeUnretainedValue()
    if transfer.isCancelled { return Int(CURL_READFUNC_ABORT) }
    return transfer.read(into: buffer, capacity: size * count)
}

private let smtpProgressCallback: @convention(c) (UnsafeMutableRawPointer?, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> Int32 = {
    userdata, _, _, _, _ in
    guard let userdata else { return 0 }
    return Unmanaged<SMTPTransfer>.fromOpaque(userdata).takeUnretainedValue().isCancelled ? 1 : 0
}
