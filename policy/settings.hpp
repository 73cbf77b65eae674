// NAME
//	settings 3h
// SUMMARY
//	what the diagnosis engine needs to know about the site
// SYNOPSIS
//	#include "policy/settings.hpp"
// DESCRIPTION
//	Settings is built once by conf/ and shared read-only: a session keeps
//	the shared_ptr it started with, so a reload never changes the rules in
//	the middle of a session.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "policy/network.hpp"
#include "policy/sender_login.hpp"

namespace milter503::policy {

// Domain names, case-insensitive, without trailing dot. An entry that
// starts with `.` also matches every subdomain (`.example.test`).
class DomainSet {
  public:
    void add(std::string_view domain);
    bool contains(std::string_view domain) const;
    bool empty() const { return exact_.empty() && parents_.empty(); }

  private:
    std::unordered_set<std::string> exact_;
    std::vector<std::string> parents_;  // ".example.test"
};

// The defaults live in one place, conf's key table (conf/config.cpp):
// a Settings built here is empty and every check off until conf fills it.
struct Settings {
    DomainSet local_domains;
    NetworkList trusted_networks;
    std::vector<std::string> submission_ports;
    std::shared_ptr<const SenderLoginMap> sender_login_map;  // null: no map
    char recipient_delimiter = '+';                          // Postfix's default; not configurable
    bool check_header_from = false;
    bool check_display_name = false;
};

}  // namespace milter503::policy
