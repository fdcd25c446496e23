"""moto_server with resource-level IAM checks for SSM and DynamoDB (used by `make rehearse`).

moto 5.2.1 enforces IAM identity policies once INITIAL_NO_AUTH_ACTION_COUNT requests have passed,
but for SSM and DynamoDB it checks every action against the resource "*": a least-privilege
statement ("Resource": "arn:aws:ssm:...:parameter/bffsuite/dev/mobile/BFF_CURSOR_KEY") never
matches, so every call is denied. This launcher keeps moto's own policy engine (signature check,
Allow/Deny evaluation, the role's inline and attached policies) and only supplies the resources
AWS authorizes these calls against:
  - SSM GetParameter(s), PutParameter, ...: one check per parameter ARN named in the request;
  - DynamoDB: the table ARN (plus /index/NAME for Query and Scan on an index); BatchGetItem and
    BatchWriteItem one check per table; TransactWriteItems and TransactGetItems one check per
    item with the item's own action (PutItem, UpdateItem, DeleteItem, ConditionCheckItem,
    GetItem), as AWS does (there is no dynamodb:TransactWriteItems permission).
It also lets through, unsigned or signed, the Cognito user pool actions AWS does not authorize
with IAM (SignUp, ConfirmSignUp, InitiateAuth, GlobalSignOut, ...: the user pool's public API,
authorized by the app client or the user's access token); moto would check them against the
caller's IAM policy, and the BFF roles rightly have no cognito-idp permission.
And it adds RevokeToken, which moto 5.2.1 lacks (bff-web's logout calls it): the refresh token
is revoked in moto's own token store, checked against the app client and its secret as Cognito
does. What moto cannot do: revoke the access tokens issued from that refresh token (moto keeps
no link between them), so GetUser with such a token still succeeds here; bff-web refuses the
session anyway through its session_revocations table.
  - EventBridge PutEvents: one check per event bus the entries name (EventBusName, a name or an
    ARN; the default bus when none), as AWS authorizes it, so a role allowed events:PutEvents on
    its bus only (order-events) can publish there and nowhere else.
And SQS's RedrivePolicy attribute is answered compact, as AWS answers it: moto 5.2.1 writes it
with json.dumps' default separators, which the provider stores as is, so every second plan
showed a "whitespace changes" update of each queue with a DLQ (order_events).
Usage: python3 moto_iam.py -H 127.0.0.1 -p PORT (the arguments of moto_server).
"""
import json
import sys

from moto.cognitoidp.exceptions import NotAuthorizedError
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.responses import EmptyResult
from moto.dynamodb.responses import DynamoHandler
from moto.events.responses import EventsHandler
from moto.iam.access_control import IAMRequest
from moto.sqs.models import Queue
from moto.ssm.responses import SimpleSystemManagerResponse


def _request_as(action):
    class _Req(IAMRequest):
        def __init__(self, **kw):
            kw["action"] = action
            super().__init__(**kw)

    return _Req


def _arn(self, service, rest):
    return f"arn:aws:{service}:{self.region}:{self.current_account}:{rest}"


def _body(self):
    if isinstance(self.body, dict):  # DynamoHandler has parsed it already
        return self.body
    try:
        return json.loads(self.body or "{}")
    except (TypeError, ValueError):
        return {}


def _ssm_auth(self, resource="*"):
    body = _body(self)
    names = body.get("Names") or ([body["Name"]] if isinstance(body.get("Name"), str) else [])
    if not names:
        return ActionAuthenticatorMixin._authenticate_and_authorize_normal_action(self, resource)
    for name in names:
        path = name if name.startswith("/") else "/" + name
        self._authenticate_and_authorize_action(IAMRequest, _arn(self, "ssm", "parameter" + path))


_TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
             "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


def _dynamodb_auth(self, resource="*"):
    body = _body(self)
    action = self._get_action()

    def table(name, index=None):
        rest = f"table/{name}" + (f"/index/{index}" if index else "")
        return _arn(self, "dynamodb", rest)

    if action in ("TransactWriteItems", "TransactGetItems"):
        for item in body.get("TransactItems", []):
            for kind, op in item.items():
                self._authenticate_and_authorize_action(
                    _request_as(_TRANSACT.get(kind, kind)), table(op.get("TableName", "*")))
        return
    if action in ("BatchGetItem", "BatchWriteItem"):
        for name in (body.get("RequestItems") or {}):
            self._authenticate_and_authorize_action(IAMRequest, table(name))
        return
    if "TableName" in body:
        return self._authenticate_and_authorize_action(
            IAMRequest, table(body["TableName"], body.get("IndexName")))
    return ActionAuthenticatorMixin._authenticate_and_authorize_normal_action(self, resource)


# The user pool API operations that take no IAM credentials (Cognito developer guide, "Using the
# Amazon Cognito user pools API": unauthenticated and token-authorized operations).
_COGNITO_PUBLIC = {
    "SignUp", "ConfirmSignUp", "ResendConfirmationCode", "InitiateAuth", "RespondToAuthChallenge",
    "ForgotPassword", "ConfirmForgotPassword", "GlobalSignOut", "RevokeToken", "GetUser",
    "ChangePassword", "UpdateUserAttributes", "VerifyUserAttribute", "DeleteUser",
    "GetUserAttributeVerificationCode", "AssociateSoftwareToken", "VerifySoftwareToken",
    "SetUserMFAPreference", "ListDevices", "ForgetDevice", "ConfirmDevice", "GetDevice",
}


def _cognito_auth(self, resource="*"):
    if self._get_action() in _COGNITO_PUBLIC:
        return None
    return ActionAuthenticatorMixin._authenticate_and_authorize_normal_action(self, resource)


def _revoke_token(self):
    token = self._get_param("Token")
    client_id = self._get_param("ClientId")
    for pool in self.backend.user_pools.values():
        if token not in pool.refresh_tokens:
            continue
        client = pool.clients.get(client_id)
        if client is None:
            raise NotAuthorizedError("Invalid client id")
        if client.generate_secret and self._get_param("ClientSecret") != client.secret:
            raise NotAuthorizedError("Client secret is missing or wrong")
        entry = pool.refresh_tokens[token]
        if entry is not None and entry[0] != client_id:
            raise NotAuthorizedError("Refresh token was not issued to this client")
        pool.refresh_tokens[token] = None  # what moto's GlobalSignOut does to a refresh token
        return EmptyResult()
    return EmptyResult()  # Cognito answers an unknown token with success as well


SimpleSystemManagerResponse._authenticate_and_authorize_normal_action = _ssm_auth
CognitoIdpResponse.revoke_token = _revoke_token
CognitoIdpResponse._authenticate_and_authorize_normal_action = _cognito_auth
DynamoHandler._authenticate_and_authorize_normal_action = _dynamodb_auth

def _events_auth(self, resource="*"):
    body = _body(self)
    if self._get_action() != "PutEvents":
        return ActionAuthenticatorMixin._authenticate_and_authorize_normal_action(self, resource)
    buses = set()
    for entry in body.get("Entries") or []:
        bus = entry.get("EventBusName") or "default"
        buses.add(bus if bus.startswith("arn:") else _arn(self, "events", "event-bus/" + bus))
    for bus in sorted(buses) or [_arn(self, "events", "event-bus/default")]:
        self._authenticate_and_authorize_action(IAMRequest, bus)


EventsHandler._authenticate_and_authorize_normal_action = _events_auth

_queue_attributes = Queue.attributes.fget


def _compact_redrive(self):
    result = _queue_attributes(self)
    if self.redrive_policy:
        result["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
    return result


Queue.attributes = property(_compact_redrive)

if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
