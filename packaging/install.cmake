# NAME
#	install.cmake - installation rules for milter503
# DESCRIPTION
#	Included at the end of the top-level CMakeLists.txt, so every target is
#	known here. Each rule is guarded: a target or file that does not exist
#	(yet) is skipped, so `cmake --install` works on a partial tree.
#
#	Paths come from GNUInstallDirs. The configuration file goes to
#	CMAKE_INSTALL_FULL_SYSCONFDIR, which is /etc both for prefix /usr
#	(GNUInstallDirs special-cases it) and under debhelper (which passes
#	-DCMAKE_INSTALL_SYSCONFDIR=/etc). The systemd unit and the maintainer
#	scripts are Debian's business: see packaging/debian/.

set(_m503_pkg ${CMAKE_CURRENT_LIST_DIR})

# Programs: the daemon is for the administrator (section 8, sbin), the
# report is a user tool (section 1, bin).
if(TARGET milter503)
  install(TARGETS milter503 RUNTIME DESTINATION ${CMAKE_INSTALL_SBINDIR})
endif()
if(TARGET milter503-report)
  install(TARGETS milter503-report RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

# The sample configuration, installed as the live one (it only observes).
if(EXISTS ${CMAKE_SOURCE_DIR}/conf/milter503.conf)
  install(FILES ${CMAKE_SOURCE_DIR}/conf/milter503.conf
          DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR})
endif()

# Man pages (troff, written by hand; debhelper compresses them).
install(FILES ${_m503_pkg}/man/milter503.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${_m503_pkg}/man/milter503.conf.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)
install(FILES ${_m503_pkg}/man/milter503-report.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# Documentation: the MTA snippets and the top-level README when present.
foreach(_m503_doc conf/postfix-main.cf.snippet conf/sendmail.mc.snippet README.md)
  if(EXISTS ${CMAKE_SOURCE_DIR}/${_m503_doc})
    install(FILES ${CMAKE_SOURCE_DIR}/${_m503_doc} DESTINATION ${CMAKE_INSTALL_DOCDIR})
  endif()
endforeach()

# The weekly report example (cron script, systemd timer); never enabled.
install(PROGRAMS ${_m503_pkg}/examples/milter503-weekly-report
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
install(FILES ${_m503_pkg}/examples/milter503-report.service
              ${_m503_pkg}/examples/milter503-report.timer
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

unset(_m503_doc)
unset(_m503_pkg)
