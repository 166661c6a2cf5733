package ingest

import "coffer/vault"

type vaultMessage = vault.Message

type vaultAttachment = vault.Attachment
