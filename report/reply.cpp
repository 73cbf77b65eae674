// NAME
//	reply 3
// SUMMARY
//	SMTP reply splitter
#include "report/reply.hpp"

namespace milter503::report {
namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool looks_like_status(std::string_view s) {
    // class.subject.detail, each 1-3 digits
    size_t pos = 0;
    for (int part = 0; part < 3; ++part) {
        const size_t start = pos;
        while (pos < s.size() && is_digit(s[pos]))
            ++pos;
        if (pos == start || pos - start > 3)
            return false;
        if (part < 2) {
            if (pos >= s.size() || s[pos] != '.')
                return false;
            ++pos;
        }
    }
    return pos == s.size();
}

}  // namespace

ReplyParts split_reply(std::string_view reply) {
    ReplyParts parts;
    if (reply.size() >= 4 && is_digit(reply[0]) && is_digit(reply[1]) && is_digit(reply[2]) &&
        (reply[3] == ' ' || reply[3] == '-')) {
        parts.code = reply.substr(0, 3);
        reply.remove_prefix(4);
        const size_t space = reply.find(' ');
        const std::string_view first = reply.substr(0, space);
        if (looks_like_status(first)) {
            parts.status = first;
            reply = space == std::string_view::npos ? std::string_view{} : reply.substr(space + 1);
        }
    }
    if (!reply.empty() && reply[0] == '<') {
        const size_t close = reply.find('>');
        if (close != std::string_view::npos) {
            std::string_view after = reply.substr(close + 1);
            if (after.substr(0, 2) == ": ") {
                reply = after.substr(2);
            } else if (after.substr(0, 4) == "... ") {
                reply = after.substr(4);
            }
        }
    }
    parts.reason = reply;
    return parts;
}

}  // namespace milter503::report
