import CRdKafka

/// Facts about the librdkafka library that was loaded at run time.
///
/// The `CRdKafka` shim refuses to *compile* against headers older than 2.8.0; this type guards
/// against an older shared library being picked up at *run* time (for example Debian bookworm's
/// 2.0.2, which cannot talk to the Tansu broker).
public enum KafkaLibrary {
    /// The oldest librdkafka release Samtak accepts, as `rd_kafka_version()` encodes it:
    /// `0xMMmmrrpp`, where `pp` is the pre-release number and `0xff` marks a final release.
    public static let minimumVersionNumber: Int32 = 0x0208_00ff

    /// The version string of the loaded library, for example `"2.8.0"` (`rd_kafka_version_str()`).
    public static var versionString: String {
        String(cString: rd_kafka_version_str())
    }

    /// The version number of the loaded library (`rd_kafka_version()`), encoded as `0xMMmmrrpp`.
    public static var versionNumber: Int32 {
        rd_kafka_version()
    }

    /// Pure comparison: whether a version number as encoded by `rd_kafka_version()` is at least
    /// ``minimumVersionNumber``. Pre-releases of 2.8.0 itself are refused (as the header guard does).
    public static func isSupported(versionNumber: Int32) -> Bool {
        UInt32(bitPattern: versionNumber) >= UInt32(bitPattern: minimumVersionNumber)
    }

    /// Renders an encoded version number as `major.minor.revision` (plus `-preN` for pre-releases).
    public static func describe(versionNumber: Int32) -> String {
        let value = UInt32(bitPattern: versionNumber)
        let major = (value >> 24) & 0xff
        let minor = (value >> 16) & 0xff
        let revision = (value >> 8) & 0xff
        let prerelease = value & 0xff
        let base = "\(major).\(minor).\(revision)"
        return prerelease == 0xff ? base : "\(base)-pre\(prerelease)"
    }

    /// Throws unless the loaded librdkafka is at least 2.8.0. The error names the version found.
    public static func requireSupportedVersion() throws(KafkaError) {
        try requireSupported(versionNumber: versionNumber, versionString: versionString)
    }

    /// The check behind ``requireSupportedVersion()``, with the version passed in (testable).
    public static func requireSupported(versionNumber: Int32, versionString: String) throws(KafkaError) {
        guard isSupported(versionNumber: versionNumber) else {
            throw KafkaError(
                RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED,
                message: "librdkafka \(versionString) (\(describe(versionNumber: versionNumber))) was loaded at run time, "
                    + "but Samtak requires librdkafka >= \(describe(versionNumber: minimumVersionNumber)); "
                    + "install it with Deploy/bootstrap and check that /usr/local/lib comes first in the library path",
                isFatal: true
            )
        }
    }
}
