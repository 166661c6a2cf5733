package vault

import "golang.org/x/crypto/ssh"

type sshPassphraseMissingError = ssh.PassphraseMissingError
