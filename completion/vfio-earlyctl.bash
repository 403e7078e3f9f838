# bash completion for vfio-earlyctl
# shellcheck disable=SC2207 # compgen output is split into words on purpose (the usual idiom)
_vfio_earlyctl()
{
	local cur prev words cword
	_init_completion || return

	local commands="list add remove check regenerate apply rollback status cpus libvirt-xml import"
	local i cmd=
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		-r | --root | -c | --config | -w | --wait) ((i++)) ;;
		-*) ;;
		*) cmd=${words[i]} && break ;;
		esac
	done

	case $prev in
	-r | --root)
		_filedir -d
		return
		;;
	-c | --config)
		_filedir
		return
		;;
	-w | --wait)
		COMPREPLY=($(compgen -W "0 10 60 300" -- "$cur"))
		return
		;;
	esac

	if [[ -z $cmd ]]; then
		COMPREPLY=($(compgen -W "$commands --root --config --verbose --quiet --wait --help --version" -- "$cur"))
		return
	fi
	case $cmd in
	list | check | status) COMPREPLY=($(compgen -W "--json --help" -- "$cur")) ;;
	cpus) COMPREPLY=($(compgen -W "--json --e-cores --help" -- "$cur")) ;;
	libvirt-xml) COMPREPLY=($(compgen -W "--vcpus --domain --update --memory --disk --iso --share --virt-type --dry-run --yes --connect --json --help" -- "$cur")) ;;
	apply) COMPREPLY=($(compgen -W "--dry-run --yes --adopt --help" -- "$cur")) ;;
	regenerate) COMPREPLY=($(compgen -W "--dry-run --yes --help" -- "$cur")) ;;
	import)
		if [[ $prev == --domain ]]; then
			_filedir xml
		else
			COMPREPLY=($(compgen -W "--dry-run --yes --json --domain --help" -- "$cur"))
		fi
		;;
	add)
		local slots
		slots=$(cd /sys/bus/pci/devices 2>/dev/null && printf '%s\n' *)
		COMPREPLY=($(compgen -W "--allow-boot-vga $slots" -- "$cur"))
		;;
	remove)
		local slots
		slots=$(awk '$1 == "bind" { print $2 }' /etc/vfio-early.conf 2>/dev/null)
		COMPREPLY=($(compgen -W "$slots" -- "$cur"))
		;;
	esac
} && complete -F _vfio_earlyctl vfio-earlyctl
