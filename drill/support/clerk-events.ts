// Clerk webhook events as Svix delivers them (the fields the service reads, and Clerk's ids:
// `user_` + alphanumerics, which reconciliation validates).

export function userCreated(userId: string, t: number) {
  return {
    type: 'user.created',
    object: 'event',
    timestamp: t,
    data: {
      id: userId,
      object: 'user',
      first_name: 'Drill',
      last_name: userId,
      primary_email_address_id: `idn_${userId}`,
      email_addresses: [{ id: `idn_${userId}`, email_address: `${userId}@drill.test` }],
      created_at: t,
      updated_at: t,
    },
  };
}

export function sessionCreated(sessionId: string, userId: string, t: number) {
  return {
    type: 'session.created',
    object: 'event',
    timestamp: t,
    data: {
      id: sessionId,
      object: 'session',
      user_id: userId,
      status: 'active',
      created_at: t,
      updated_at: t,
      expire_at: t + 86_400_000,
      abandon_at: t + 86_400_000 * 30,
      last_active_at: t,
    },
    event_attributes: { http_request: { client_ip: '127.0.0.1', user_agent: 'drill' } },
  };
}

/** `session.revoked` (also `session.ended` / `session.removed` with `type`): the edge refuses the session's tokens. */
export function sessionEnded(sessionId: string, userId: string, t: number, type = 'session.revoked') {
  return {
    type,
    object: 'event',
    timestamp: t,
    data: { id: sessionId, object: 'session', user_id: userId, status: type.slice('session.'.length) },
  };
}
