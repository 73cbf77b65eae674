// NAME
//	log_format 3h
// SUMMARY
//	the one definition of milter503's log line fields
// SYNOPSIS
//	#include "policy/log_format.hpp"
// DESCRIPTION
//	The milter writes and milter503-report reads the same `key=value`
//	lines, so both sides go through this module and nothing else.
//
//	A value is written bare when it holds only safe printable bytes, and
//	double-quoted otherwise (space, `"`, `\`, `=`, or an empty value).
//	Inside the quotes `"` and `\` take a backslash. Control bytes, DEL and
//	bytes that are not valid UTF-8 are written as `\xHH` whether quoted or
//	not, so no byte a client controls can end a line, open a new field or
//	forge a syslog record.
//
//	parse_fields() is the inverse: it turns the text after the `PREFIX: `
//	back into the original key/value pairs, byte for byte.
//
//	A client decides how long its HELO, addresses and logins are, so a
//	writer caps each such value (cap_value()): what is cut is replaced by
//	`...[cut N bytes]`, N the bytes left out, and the line stays within
//	max_line_bytes, which every syslog receiver should take whole.
//	Caps count the value's own bytes; escaping may make it up to four
//	times longer in the line, which the line's writer allows for.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace milter503::logfmt {

// Field names shared by writer and reader. Changing one breaks old logs.
namespace key {
inline constexpr std::string_view finding = "finding";
inline constexpr std::string_view cause = "cause";
inline constexpr std::string_view fix = "fix";
inline constexpr std::string_view conn = "conn";
inline constexpr std::string_view client = "client";
inline constexpr std::string_view helo = "helo";
inline constexpr std::string_view port = "port";
inline constexpr std::string_view auth = "auth";
inline constexpr std::string_view from = "from";
inline constexpr std::string_view header_from = "header_from";
inline constexpr std::string_view rcpt_ok = "rcpt_ok";
inline constexpr std::string_view rcpt_rejected = "rcpt_rejected";
inline constexpr std::string_view rejected = "rejected";
// Refused recipients not listed in rejected= (its cap was reached).
inline constexpr std::string_view rejected_unlisted = "rejected_unlisted";
inline constexpr std::string_view advice = "advice";
inline constexpr std::string_view detail = "detail";
inline constexpr std::string_view sessions = "sessions";
inline constexpr std::string_view transactions = "transactions";
inline constexpr std::string_view findings = "findings";
inline constexpr std::string_view suppressed = "suppressed";
inline constexpr std::string_view first = "first";
inline constexpr std::string_view last = "last";
inline constexpr std::string_view macro = "macro";
inline constexpr std::string_view phase = "phase";
inline constexpr std::string_view clients = "clients";
inline constexpr std::string_view domain = "domain";
// An alert about the server's surroundings, not a cause (nat-gateway).
inline constexpr std::string_view condition = "condition";
inline constexpr std::string_view helos = "helos";
inline constexpr std::string_view sender_domains = "sender_domains";
}  // namespace key

// The text between the syslog header and the fields.
inline constexpr std::string_view summary_prefix = "summary";
// An admin alert: a server-wide fault, rate limited (policy/alerts.hpp),
// or a condition such as a NAT gateway (policy/nat_detector.hpp).
inline constexpr std::string_view alert_prefix = "alert";
inline constexpr std::string_view no_queue_id = "NOQUEUE";
// Written for an empty login and as the value of `rejected` when the MTA
// did not pass the refused recipients (Sendmail's check_rcpt).
inline constexpr std::string_view none = "-";
inline constexpr std::string_view unreported = "unreported";

// RFC 5424 6.1: receivers SHOULD accept 2048 octets. A longer line is cut
// somewhere (rsyslog at 8 KiB by default, inside a value), and a cut line
// is no longer a finding. Finding, summary and alert lines stay within.
inline constexpr size_t max_line_bytes = 2048;

// What replaces the cut end of a value: "...[cut 60190 bytes]".
std::string cut_marker(size_t dropped_bytes);

// `value` when it has at most `max_bytes` bytes; otherwise its longest
// start (whole UTF-8 characters) that, followed by cut_marker(the bytes
// left out), has at most `max_bytes`.
std::string cap_value(std::string_view value, size_t max_bytes);

// append_field() with cap_value(value, max_bytes).
void append_capped_field(std::string& out, std::string_view key, std::string_view value,
                         size_t max_bytes);

using Field = std::pair<std::string, std::string>;
using Fields = std::vector<Field>;

// Appends `\xHH` (lower-case hex) for one byte.
void append_hex_escape(std::string& out, unsigned char byte);
// 0-15 for a hex digit (either case), -1 for any other character.
int hex_digit_value(char c);

// Appends the escaped form of `value` (quoted when needed).
void append_value(std::string& out, std::string_view value);

// Appends ` key=value` (no leading space when `out` is empty).
void append_field(std::string& out, std::string_view key, std::string_view value);

// Escaped form of a value as append_value() writes it.
std::string escape_value(std::string_view value);

// Reads `key=value key="quoted value"` one field at a time, undoing the
// escapes, without allocating for values that have none (the report
// reads millions of lines). A value view lasts until the next call.
class FieldScanner {
  public:
    explicit FieldScanner(std::string_view text) : text_(text) {}
    // The next field; false at the end of the text or when the text is
    // not in this format (then malformed() is true).
    bool next(std::string_view& key, std::string_view& value);
    bool malformed() const { return malformed_; }

  private:
    bool read_quoted(std::string_view& value);

    std::string_view text_;
    size_t pos_ = 0;
    std::string decoded_;  // the last quoted value that had escapes
    bool malformed_ = false;
};

// Splits `key=value key="quoted value"` back into its pairs, undoing the
// escapes. Returns nullopt when the text is not in this format.
std::optional<Fields> parse_fields(std::string_view text);

// Value of the first field named `key`, or nullptr.
const std::string* find_field(const Fields& fields, std::string_view key);

}  // namespace milter503::logfmt
