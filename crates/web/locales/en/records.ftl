# Accounts, contacts, leads and activities.

field-other-account = Belongs to another account
