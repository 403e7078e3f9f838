# shellcheck shell=sh
# apt for one Debian suite, without touching the host's apt: its own sources (on the
# mirror the host's apt already uses, with Debian's archive keyring), lists and package
# cache under a directory of ours. Sourced by fetch-kernel.sh.
#   suite_apt_init DIR SUITE   set up DIR/SUITE (sources for SUITE, and SUITE's base suite
#                              for a -backports suite); no network
#   suite_apt_update           fetch the lists when older than 12 hours; 1 when none
#   suite_apt_get ARGS...      apt-get on that configuration
#   suite_apt_cache ARGS...    apt-cache on that configuration

# The host's Debian mirrors: the first URI of its sources that serves the main archive
# (KIND main) or the security archive (KIND security).
suite_apt_mirror() {
	m=""
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		m=$(awk -v k="$1" '/^URIs:/ { for (i = 2; i <= NF; i++)
			if ((k == "security") == ($i ~ /security/)) { print $i; exit } }' "$f")
		[ -z "$m" ] || break
	done
	if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
		m=$(awk -v k="$1" '$1 == "deb" && $2 !~ /^\[/ && (k == "security") == ($2 ~ /security/) { print $2; exit }' \
			/etc/apt/sources.list)
	fi
	echo "$m"
}

suite_apt_init() {
	sa_dir=$1/$2
	sa_suite=$2
	sa_base=${sa_suite%-backports}
	mkdir -p "$sa_dir/parts" "$sa_dir/lists/partial" "$sa_dir/cache/archives/partial"
	sa_mirror=$(suite_apt_mirror main)
	sa_security=$(suite_apt_mirror security)
	[ -n "$sa_mirror" ] || { echo "suite-apt: no Debian mirror in the host's apt sources" >&2; return 1; }
	# As a system of that release has it: the release, its updates (and backports when
	# asked for), and its security archive.
	sa_suites="$sa_base $sa_base-updates"
	[ "$sa_suite" = "$sa_base" ] || sa_suites="$sa_suites $sa_suite"
	{
		printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
			"$sa_mirror" "$sa_suites" /usr/share/keyrings/debian-archive-keyring.gpg
		[ -z "$sa_security" ] ||
			printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: %s\n' \
				"$sa_security" "$sa_base" /usr/share/keyrings/debian-archive-keyring.gpg
	} > "$sa_dir/parts/debian.sources.new"
	# A changed mirror or suite list starts the lists again.
	if ! cmp -s "$sa_dir/parts/debian.sources.new" "$sa_dir/parts/debian.sources" 2>/dev/null; then
		mv "$sa_dir/parts/debian.sources.new" "$sa_dir/parts/debian.sources"
		rm -f "$sa_dir/updated"
	else
		rm -f "$sa_dir/parts/debian.sources.new"
	fi
}

# The options that make apt read and write only under $sa_dir. A backports suite is the
# default release, so its kernel is the candidate; elsewhere the newest version (the
# security archive's, when it has one) is, as on a system of that release.
suite_apt_opts() {
	echo "-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$sa_dir/parts" \
		"-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=$sa_dir/parts" \
		"-o Dir::State::Lists=$sa_dir/lists -o Dir::Cache=$sa_dir/cache" \
		"-o Dir::State::status=/dev/null -o Debug::NoLocking=1"
	[ "$sa_suite" = "$sa_base" ] || echo "-o APT::Default-Release=$sa_suite"
}

suite_apt_get() {
	# shellcheck disable=SC2046 # the options are words
	apt-get $(suite_apt_opts) "$@"
}

suite_apt_cache() {
	# shellcheck disable=SC2046
	apt-cache $(suite_apt_opts) "$@"
}

suite_apt_update() {
	# one update at a time per suite (apt runs here without its own locks, and the kernel
	# build, the kernel fetch and a suite root may ask for the same suite at once)
	(
		flock 8
		if [ -f "$sa_dir/updated" ] && [ -z "$(find "$sa_dir/updated" -mmin +720 2>/dev/null)" ]; then
			exit 0
		fi
		if suite_apt_get update -qq > "$sa_dir/update.log" 2>&1; then
			touch "$sa_dir/updated"
			exit 0
		fi
		echo "suite-apt: apt-get update for $sa_suite failed (see $sa_dir/update.log)" >&2
		# Lists from an earlier update still resolve.
		ls "$sa_dir/lists/"*Packages* > /dev/null 2>&1
	) 8> "$sa_dir/update.lock"
}
