import Foundation

/// One adaptation a teacher has tried within ordinary teaching before the ressursteam
/// discusses a case. The seeds require the form before the discussion ("I forkant av drøfting
/// i ressursteam skal lærere fylle ut et skjema med hvilke tilpasninger de har gjort på så
/// langt"): what was tried, from when, for how long, and what came of it. "From when" and
/// "how long" are the teacher's own words ("uke 36", "seks uker"), not dates.
public struct AdaptationTried: Codable, Sendable, Equatable {
    public var what: String
    public var since: String
    public var duration: String
    public var result: String

    /// At most this many on one case; the limits of each text.
    public static let maxCount = 20
    public static let maxWhat = 500, maxSince = 100, maxDuration = 100, maxResult = 2000

    public init(what: String, since: String = "", duration: String = "", result: String = "") {
        self.what = what
        self.since = since
        self.duration = duration
        self.result = result
    }

    /// The texts with their JSON field names, for the checks of lengths and of personal data
    /// in an anonymous case (`adaptations[2].result`).
    public func fields(at index: Int) -> [(field: String, text: String)] {
        [("adaptations[\(index)].what", what), ("adaptations[\(index)].since", since),
         ("adaptations[\(index)].duration", duration), ("adaptations[\(index)].result", result)]
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        what = try container.decode(String.self, forKey: .what)
        since = try container.decodeIfPresent(String.self, forKey: .since) ?? ""
        duration = try container.decodeIfPresent(String.self, forKey: .duration) ?? ""
        result = try container.decodeIfPresent(String.self, forKey: .result) ?? ""
    }

    /// Trimmed of surrounding white space.
    public var trimmed: AdaptationTried {
        func trim(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }
        return AdaptationTried(what: trim(what), since: trim(since), duration: trim(duration), result: trim(result))
    }
}
