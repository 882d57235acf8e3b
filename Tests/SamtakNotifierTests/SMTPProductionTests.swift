import Foundation
@testable import SamtakNotifier
import SamtakRuntime
import Testing

/// Issue 19: the relay password may come from a file (container secrets), and with
/// `SAMTAK_ENV=production` mail (which carries personal data) only leaves encrypted.
@Suite("SMTP settings in production")
struct SMTPProductionTests {
    @Test("SAMTAK_SMTP_PASSWORD_FILE is read (one trailing newline removed, spaces kept); both set is refused")
    func passwordFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("samtak-smtp-password-\(UUID().uuidString.prefix(8))")
        try Data(" hemmelig passord \n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let config = try SMTPConfiguration.fromEnvironment(["SAMTAK_SMTP_USERNAME": "samtak", "SAMTAK_SMTP_PASSWORD_FILE": file.path])
        #expect(config.password == " hemmelig passord ")
        #expect(throws: SMTPConfigurationError.self) {
            try SMTPConfiguration.fromEnvironment(["SAMTAK_SMTP_USERNAME": "samtak", "SAMTAK_SMTP_PASSWORD": "x", "SAMTAK_SMTP_PASSWORD_FILE": file.path])
        }
        do {
            _ = try SMTPConfiguration.fromEnvironment(["SAMTAK_SMTP_USERNAME": "samtak", "SAMTAK_SMTP_PASSWORD_FILE": "/nonexistent/samtak"])
            Issue.record("a missing password file was accepted")
        } catch {
            #expect("\(error)".contains("SAMTAK_SMTP_PASSWORD_FILE"))
        }
    }

    @Test("production: STARTTLS required by default; never and if_available refused on smtp://; smtps:// accepted")
    func production() throws {
        let production = ["SAMTAK_ENV": "production", "SAMTAK_SMTP_URL": "smtp://relay.nordby.kommune.no:587"]
        #expect(try SMTPConfiguration.fromEnvironment(production).startTLS == .required)
        for mode in ["never", "if_available"] {
            do {
                _ = try SMTPConfiguration.fromEnvironment(production.merging(["SAMTAK_SMTP_STARTTLS": mode]) { _, new in new })
                Issue.record("STARTTLS \(mode) was accepted in production")
            } catch {
                #expect("\(error)".contains("SAMTAK_SMTP_STARTTLS must be required in production"))
            }
        }
        let implicit = try SMTPConfiguration.fromEnvironment(["SAMTAK_ENV": "production", "SAMTAK_SMTP_URL": "smtps://relay.nordby.kommune.no:465"])
        #expect(implicit.usesImplicitTLS)
        // Development keeps its local default (the test sink speaks no TLS).
        #expect(try SMTPConfiguration.fromEnvironment([:]).startTLS == .ifAvailable)
        // The notifier's own configuration refuses it too, naming the variables.
        #expect(throws: ConfigurationError.self) {
            try NotifierConfiguration(environment: production.merging(["SAMTAK_SMTP_STARTTLS": "never"]) { _, new in new })
        }
    }
}
