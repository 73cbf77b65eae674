// NAME
//	settings 3
// SUMMARY
//	DomainSet: case-insensitive domain names with parent entries
// DESCRIPTION
//	Names are stored lower-cased without a trailing dot. An entry written
//	`.example.test` matches example.test itself and every name below it
//	(a.example.test, b.a.example.test), never a name that merely ends in
//	the same letters (badexample.test).
#include "policy/settings.hpp"

#include "policy/text.hpp"

#include "policy/address.hpp"

namespace milter503::policy {
namespace {

std::string normalize(std::string_view domain) {
    while (!domain.empty() && domain.back() == '.')
        domain.remove_suffix(1);
    return text::to_lower_ascii(domain);
}

}  // namespace

void DomainSet::add(std::string_view domain) {
    const bool parent = !domain.empty() && domain.front() == '.';
    std::string name = normalize(parent ? domain.substr(1) : domain);
    if (name.empty())
        return;
    if (parent) {
        exact_.insert(name);
        parents_.push_back("." + name);
    } else {
        exact_.insert(std::move(name));
    }
}

bool DomainSet::contains(std::string_view domain) const {
    const std::string name = normalize(domain);
    if (name.empty())
        return false;
    if (exact_.contains(name))
        return true;
    for (const auto& parent : parents_) {
        if (name.size() > parent.size() && name.ends_with(parent))
            return true;
    }
    return false;
}

}  // namespace milter503::policy
